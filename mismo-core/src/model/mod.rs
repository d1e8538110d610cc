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
mod flag;
mod folder;
mod mailbox;
mod mailbox_entry;
mod node;
mod queue;
mod stored_flag;
mod uid;
mod webmail;

pub use administrator::{AdminRole, AdminSession, Administrator, ApiToken, SecondFactor};
pub use alias::Alias;
pub use audit::AuditEntry;
pub use blob::{BlobRef, CHUNK_SIZE, INLINE_LIMIT};
pub use domain::{Domain, Verification, VerificationStatus};
pub use flag::Flag;
pub use folder::{Folder, DEFAULT_FOLDERS, SEPARATOR};
pub use mailbox::Mailbox;
pub use mailbox_entry::{delivery_headers, header_block, MailboxEntry};
pub use node::Node;
pub use queue::{
    AttachmentMeta, DsnRequest, HeaderSummary, NewMessage, Origin, QueueState, QueuedMessage,
    Recipient, RecipientStatus, MAX_RECIPIENTS,
};
pub use uid::{NotAUid, Uid};
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

/// A new unique, time-ordered identifier. Within a process each is larger
/// than the one before, also within the same millisecond (plain ULIDs are
/// random there), so "oldest first" by id is the order they were made.
pub fn new_id() -> String {
    static IDS: std::sync::Mutex<ulid::Generator> = std::sync::Mutex::new(ulid::Generator::new());
    let mut ids = IDS.lock().expect("id generator");
    // The random part overflows only after 2^80 ids in one millisecond.
    let next = ids.generate().ok().unwrap_or_else(ulid::Ulid::generate);
    next.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_made_in_one_millisecond_keep_their_order() {
        let ids: Vec<String> = (0..1000).map(|_| super::new_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
    }
}
