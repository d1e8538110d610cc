//! The documents Mismo keeps in the store.
//!
//! Conventions every type follows, so that MongoDB, a sharded cluster and the
//! embedded store read them alike, and a person reading a document does too:
//! - `_id` and every reference are strings (ULIDs or normalised names);
//! - times are `i64` milliseconds since the epoch;
//! - states and flags are enum strings or integers, never booleans.

pub mod address;
mod administrator;
mod alias;
mod audit;
mod blob;
mod domain;
mod folder;
mod mailbox;
mod mailbox_entry;
mod node;
mod queue;
mod webmail;

pub use administrator::{AdminRole, AdminSession, Administrator, ApiToken, SecondFactor};
pub use alias::Alias;
pub use audit::AuditEntry;
pub use blob::{BlobRef, CHUNK_SIZE, INLINE_LIMIT};
pub use domain::{Domain, Verification, VerificationStatus};
pub use folder::{Folder, DEFAULT_FOLDERS, SEPARATOR};
pub use mailbox::Mailbox;
pub use mailbox_entry::{delivery_headers, header_block, MailboxEntry};
pub use node::Node;
pub use queue::{
    AttachmentMeta, DsnRequest, HeaderSummary, NewMessage, Origin, QueueState, QueuedMessage,
    Recipient, RecipientStatus,
};
pub use webmail::{MailSession, Profile, Vacation};

use serde::{Deserialize, Serialize};

/// Whether a domain or mailbox is in service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Enabled,
    Disabled,
}

impl Activation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Disabled => "disabled",
        }
    }
}

/// Milliseconds since the Unix epoch, the one time format in the store.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// A new unique, time-ordered identifier.
pub fn new_id() -> String {
    ulid::Ulid::generate().to_string()
}
