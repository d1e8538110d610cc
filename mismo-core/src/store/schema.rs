//! Collections and indexes, created idempotently at start-up by every service.

use std::time::Duration;

use mongodb::bson::{doc, Document};
use mongodb::options::IndexOptions;
use mongodb::IndexModel;

use super::names::*;
use super::{Store, StoreError, StoreResult};

/// One collection: its name, its intended shard key, and its secondary indexes.
pub struct CollectionSpec {
    pub name: &'static str,
    /// The shard key to use on a sharded cluster (`sh.shardCollection`). Unique
    /// keys in Mismo are all `_id`, which MongoDB keeps unique per shard and
    /// our ids (names or ULIDs) keep unique globally.
    pub shard_key: &'static str,
    pub indexes: fn() -> Vec<IndexSpec>,
}

/// One secondary index.
pub struct IndexSpec {
    pub name: &'static str,
    pub keys: Document,
    /// Unique among documents that have every key field; every unique key
    /// starts with the collection's shard key, so it holds on a sharded
    /// cluster too.
    pub unique: bool,
    /// A TTL index: the store deletes a document this long after the date in
    /// its (single) key field.
    pub expire_after: Option<Duration>,
}

fn index(name: &'static str, keys: Document) -> IndexSpec {
    IndexSpec {
        name,
        keys,
        unique: false,
        expire_after: None,
    }
}

fn unique(name: &'static str, keys: Document) -> IndexSpec {
    IndexSpec {
        unique: true,
        ..index(name, keys)
    }
}

fn expiring(name: &'static str, field: &'static str) -> IndexSpec {
    IndexSpec {
        expire_after: Some(Duration::ZERO),
        ..index(name, doc! { field: 1 })
    }
}

pub const COLLECTIONS: &[CollectionSpec] = &[
    CollectionSpec {
        name: DOMAINS,
        shard_key: r#"{ _id: "hashed" }"#,
        indexes: Vec::new,
    },
    CollectionSpec {
        name: MAILBOXES,
        shard_key: r#"{ _id: "hashed" }"#,
        indexes: || vec![index("domain_1", doc! { "domain": 1 })],
    },
    CollectionSpec {
        name: ALIASES,
        shard_key: r#"{ _id: "hashed" }"#,
        // By domain (the console), and by target (webmail's identities).
        indexes: || {
            vec![
                index("domain_1", doc! { "domain": 1 }),
                index("targets_1", doc! { "targets": 1 }),
            ]
        },
    },
    CollectionSpec {
        name: MESSAGES,
        shard_key: r#"{ _id: "hashed" }"#,
        indexes: || {
            vec![
                // Due work: state = ENQUEUED and due_at <= now, oldest first.
                index("state_1_due_at_1", doc! { "state": 1, "due_at": 1 }),
                // Finding one's own claim after the batch update.
                index("claim_token_1", doc! { "claim_token": 1 }),
                // The dashboard's last 24 hours: messages accepted, and
                // recipients whose status changed.
                index("received_at_1", doc! { "received_at": 1 }),
                index(
                    "recipients.updated_at_1",
                    doc! { "recipients.updated_at": 1 },
                ),
            ]
        },
    },
    CollectionSpec {
        name: MESSAGE_CHUNKS,
        shard_key: r#"{ blob_id: "hashed" }"#,
        indexes: || vec![index("blob_id_1_n_1", doc! { "blob_id": 1, "n": 1 })],
    },
    CollectionSpec {
        name: PGP_KEYS,
        shard_key: r#"{ _id: "hashed" }"#,
        indexes: Vec::new,
    },
    CollectionSpec {
        name: MAILDROP_LOCKS,
        shard_key: r#"{ _id: "hashed" }"#,
        indexes: Vec::new,
    },
    CollectionSpec {
        name: LOGIN_ATTEMPTS,
        shard_key: r#"{ _id: "hashed" }"#,
        // Addresses that have not tried for a while go away by themselves.
        indexes: || vec![expiring("expires_at_1", "expires_at")],
    },
    CollectionSpec {
        name: SEND_COUNTS,
        shard_key: r#"{ _id: "hashed" }"#,
        // Mailboxes that have not sent for a while go away by themselves.
        indexes: || vec![expiring("expires_at_1", "expires_at")],
    },
    CollectionSpec {
        name: ADMINISTRATORS,
        shard_key: r#"{ _id: "hashed" }"#,
        indexes: Vec::new,
    },
    CollectionSpec {
        name: ADMIN_SESSIONS,
        shard_key: r#"{ _id: "hashed" }"#,
        // Sessions end by themselves; signing out removes one at once.
        indexes: || vec![expiring("expires_at_1", "expires_at")],
    },
    CollectionSpec {
        name: API_TOKENS,
        shard_key: r#"{ _id: "hashed" }"#,
        // Removing an administrator removes their tokens.
        indexes: || vec![index("admin_1", doc! { "admin": 1 })],
    },
    CollectionSpec {
        name: AUDIT_LOG,
        shard_key: r#"{ _id: "hashed" }"#,
        // Newest first, of all domains or of one.
        indexes: || vec![index("domain_1__id_-1", doc! { "domain": 1, "_id": -1 })],
    },
    CollectionSpec {
        name: NODES,
        shard_key: r#"{ _id: "hashed" }"#,
        // A node that died without removing itself goes by itself.
        indexes: || vec![expiring("expires_at_1", "expires_at")],
    },
    CollectionSpec {
        name: WEBMAIL_SESSIONS,
        shard_key: r#"{ _id: "hashed" }"#,
        // Sessions end by themselves; all of a mailbox's end when its
        // password changes.
        indexes: || {
            vec![
                expiring("expires_at_1", "expires_at"),
                index("mailbox_1", doc! { "mailbox": 1 }),
            ]
        },
    },
    CollectionSpec {
        name: PROFILES,
        shard_key: r#"{ _id: "hashed" }"#,
        indexes: Vec::new,
    },
    CollectionSpec {
        name: VACATION_REPLIES,
        shard_key: r#"{ _id: "hashed" }"#,
        // A sender may be answered again once the interval has passed.
        indexes: || vec![expiring("expires_at_1", "expires_at")],
    },
    CollectionSpec {
        name: DKIM_KEYS,
        shard_key: r#"{ _id: "hashed" }"#,
        indexes: Vec::new,
    },
    CollectionSpec {
        name: ORPHAN_BLOBS,
        shard_key: r#"{ _id: "hashed" }"#,
        indexes: Vec::new,
    },
    CollectionSpec {
        name: META,
        shard_key: r#"{ _id: "hashed" }"#,
        indexes: Vec::new,
    },
    CollectionSpec {
        name: FOLDERS,
        shard_key: r#"{ mailbox: 1 }"#,
        indexes: || vec![unique("mailbox_1_name_1", doc! { "mailbox": 1, "name": 1 })],
    },
    CollectionSpec {
        name: VANISHED,
        shard_key: r#"{ mailbox: 1 }"#,
        indexes: || {
            vec![index(
                "mailbox_1_folder_1_modseq_1",
                doc! { "mailbox": 1, "folder": 1, "modseq": 1 },
            )]
        },
    },
    CollectionSpec {
        name: MAILBOX_MESSAGES,
        shard_key: r#"{ mailbox: 1 }"#,
        indexes: || {
            vec![
                index(
                    "mailbox_1_received_at_1",
                    doc! { "mailbox": 1, "received_at": 1 },
                ),
                // Webmail's message list, newest first.
                index(
                    "mailbox_1_folder_1_received_at_-1",
                    doc! { "mailbox": 1, "folder": 1, "received_at": -1 },
                ),
                unique(
                    "mailbox_1_folder_1_uid_1",
                    doc! { "mailbox": 1, "folder": 1, "uid": 1 },
                ),
                // What changed in a folder since a session's mod-sequence.
                index(
                    "mailbox_1_folder_1_modseq_1",
                    doc! { "mailbox": 1, "folder": 1, "modseq": 1 },
                ),
            ]
        },
    },
];

impl Store {
    /// Creates every missing collection and index. Safe to run any number of
    /// times, from any number of services at once.
    pub async fn ensure_schema(&self) -> StoreResult<()> {
        let existing = self.run(self.database().list_collection_names()).await?;
        for spec in COLLECTIONS {
            if !existing.iter().any(|n| n == spec.name) {
                if let Err(e) = self.run(self.database().create_collection(spec.name)).await {
                    // Another service may have created it a moment ago.
                    let now = self.run(self.database().list_collection_names()).await?;
                    if !now.iter().any(|n| n == spec.name) {
                        return Err(e);
                    }
                }
            }
            let models: Vec<IndexModel> = (spec.indexes)()
                .into_iter()
                .map(|spec| {
                    let mut options = IndexOptions::builder().name(spec.name.to_string()).build();
                    options.expire_after = spec.expire_after;
                    if spec.unique {
                        options.unique = Some(true);
                        // Documents from before a field existed are left out
                        // until they are given it.
                        let mut present = Document::new();
                        for key in spec.keys.keys() {
                            present.insert(key, doc! { "$exists": true });
                        }
                        options.partial_filter_expression = Some(present);
                    }
                    IndexModel::builder()
                        .keys(spec.keys)
                        .options(options)
                        .build()
                })
                .collect();
            if !models.is_empty() {
                self.run(self.raw(spec.name).create_indexes(models))
                    .await
                    .map_err(|e| match e {
                        StoreError::Other(m) => {
                            StoreError::Other(format!("indexes of {}: {m}", spec.name))
                        }
                        other => other,
                    })?;
            }
        }
        self.file_unfiled_entries().await
    }

    /// The key patterns of a collection's indexes. (Servers differ in how they
    /// name indexes, so the keys are what identify them.)
    pub async fn index_keys(&self, collection: &str) -> StoreResult<Vec<Document>> {
        use futures_util::TryStreamExt;
        let cursor = self.run(self.raw(collection).list_indexes()).await?;
        let indexes: Vec<IndexModel> = self.run(cursor.try_collect()).await?;
        Ok(indexes.into_iter().map(|i| i.keys).collect())
    }
}
