//! The MongoDB store: one handle, shared by a whole service.
//!
//! Every operation is bounded by `StoreSettings::timeout`: a store that stops
//! answering turns into [`StoreError::Unavailable`] rather than a hung task.
//! Writes use the configured write concern (default `majority`, journaled), so
//! an `Ok` means the store has acknowledged the data durably.

mod administrators;
mod aliases;
mod audit;
mod blobs;
mod changes;
pub use changes::Changes;
mod dkim_keys;
mod domains;
mod entries;
pub use entries::FlagChange;
pub use folders::MAX_FOLDERS;
mod error;
mod folders;
mod listing;
mod locks;
pub use listing::IdPage;
mod folder_changes;
mod login_attempts;
mod mail_list;
mod send_counts;
pub use folder_changes::FolderChanges;
pub use login_attempts::LoginSlot;
pub use mail_list::ListOrder;
pub use send_counts::{Sent, SEND_WINDOW};
mod mailboxes;
mod nodes;
#[cfg(feature = "pgp")]
mod pgp_keys;
pub use mailboxes::Usage;
mod queue;
pub use queue::{DueScan, Traffic};
mod schema;
mod secrets;
mod sweep;
pub use sweep::Sweep;
mod webmail;

use std::future::IntoFuture;
use std::time::Duration;

use mongodb::bson::{doc, Document};
use mongodb::options::{Acknowledgment, ClientOptions, WriteConcern};
use mongodb::{Client, Collection, Database};

pub use error::{StoreError, StoreResult};
pub use schema::{CollectionSpec, IndexSpec, COLLECTIONS};

use crate::config::StoreSettings;

/// An integer field, stored or computed: servers send small numbers (and
/// sums) as Int32 and large ones as Int64, whatever was written.
pub(crate) fn integer(doc: &Document, field: &str) -> Option<i64> {
    doc.get_i64(field)
        .ok()
        .or_else(|| doc.get_i32(field).ok().map(i64::from))
}

/// `text` as a regular expression that matches it literally, for searches
/// typed by people.
pub(crate) fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Collection names. No dots: the embedded store refuses them.
pub mod names {
    pub const DOMAINS: &str = "domains";
    pub const MAILBOXES: &str = "mailboxes";
    pub const ALIASES: &str = "aliases";
    pub const MESSAGES: &str = "messages";
    pub const MESSAGE_CHUNKS: &str = "message_chunks";
    pub const MAILBOX_MESSAGES: &str = "mailbox_messages";
    pub const FOLDERS: &str = "folders";
    /// What left each folder, by UID, with the mod-sequence of its leaving.
    pub const VANISHED: &str = "vanished";
    /// Markers of one-time data changes.
    pub const META: &str = "meta";
    pub const DKIM_KEYS: &str = "dkim_keys";
    pub const MAILDROP_LOCKS: &str = "maildrop_locks";
    /// Password checks per client address, shared by every service.
    pub const LOGIN_ATTEMPTS: &str = "login_attempts";
    /// What each authenticated mailbox sent this hour, shared by every
    /// engine and webmail.
    pub const SEND_COUNTS: &str = "send_counts";
    pub const PGP_KEYS: &str = "pgp_keys";
    /// Blobs a sweep found unreferenced, kept until a later sweep agrees.
    pub const ORPHAN_BLOBS: &str = "orphan_blobs";
    /// Console and API administrators, their sessions and tokens.
    pub const ADMINISTRATORS: &str = "administrators";
    pub const ADMIN_SESSIONS: &str = "admin_sessions";
    pub const API_TOKENS: &str = "api_tokens";
    /// Every change made through the admin console or its API.
    pub const AUDIT_LOG: &str = "audit_log";
    /// Running services and where to ask how they are.
    pub const NODES: &str = "nodes";
    /// Webmail: sessions, what users set for themselves, and to whom an
    /// auto-reply went when.
    pub const WEBMAIL_SESSIONS: &str = "webmail_sessions";
    pub const PROFILES: &str = "profiles";
    pub const VACATION_REPLIES: &str = "vacation_replies";
}

#[derive(Clone)]
pub struct Store {
    client: Client,
    db: Database,
    timeout: Duration,
    /// Folders this process is filing a message into right now.
    filing: entries::Filing,
    /// Operations this handle (and its clones) asked of the store.
    operations: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Store {
    /// Connects and checks that the store answers, within the configured time.
    pub async fn connect(settings: &StoreSettings) -> StoreResult<Self> {
        let mut options = bounded(settings.timeout, ClientOptions::parse(&settings.uri))
            .await?
            .map_err(|e| StoreError::Other(format!("MONGODB_URI: {e}")))?;
        options.server_selection_timeout = Some(settings.timeout);
        options.connect_timeout = Some(settings.timeout);
        options.app_name.get_or_insert_with(|| "mismo".into());
        if options.write_concern.is_none() {
            options.write_concern = Some(
                WriteConcern::builder()
                    .w(Acknowledgment::Majority)
                    .journal(true)
                    .build(),
            );
        }
        let client = Client::with_options(options).map_err(StoreError::from)?;
        let store = Self {
            db: client.database(&settings.database),
            client,
            timeout: settings.timeout,
            filing: Default::default(),
            operations: Default::default(),
        };
        store.ping().await?;
        Ok(store)
    }

    /// One round trip to the store; what `/status` and health checks use.
    pub async fn ping(&self) -> StoreResult<Duration> {
        let started = std::time::Instant::now();
        self.run(self.db.run_command(doc! { "ping": 1 })).await?;
        Ok(started.elapsed())
    }

    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    pub(crate) fn collection<T: Send + Sync>(&self, name: &str) -> Collection<T> {
        self.db.collection(name)
    }

    /// The database itself, for tests that must see or break what the
    /// store keeps (a half-written message, a collection's documents as
    /// stored). Only with the `testing` feature, which only tests enable.
    #[cfg(feature = "testing")]
    pub fn database_for_tests(&self) -> &Database {
        &self.db
    }

    pub(crate) fn raw(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    /// Runs one driver operation within the store's time bound.
    pub(crate) async fn run<T>(
        &self,
        op: impl IntoFuture<Output = mongodb::error::Result<T>>,
    ) -> StoreResult<T> {
        self.operations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        bounded(self.timeout, op).await?.map_err(StoreError::from)
    }

    /// How many operations this process asked of the store through this
    /// handle and its clones: what shows that an idle session asks nothing.
    pub fn operations(&self) -> u64 {
        self.operations.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Closes the connections (the driver otherwise leaves that to drop).
    pub async fn shutdown(self) {
        self.client.shutdown().await;
    }
}

async fn bounded<T>(limit: Duration, op: impl IntoFuture<Output = T>) -> StoreResult<T> {
    tokio::time::timeout(limit, op).await.map_err(|_| {
        StoreError::Unavailable(format!(
            "no answer from the store within {} ms",
            limit.as_millis()
        ))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn searches_are_literal() {
        assert_eq!(super::regex_literal("a.b(c)*"), "a\\.b\\(c\\)\\*");
        assert_eq!(super::regex_literal("zoe@x-y"), "zoe@x-y");
    }
}
