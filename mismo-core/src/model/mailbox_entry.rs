use serde::{Deserialize, Serialize};

use super::BlobRef;

/// One delivered message in one mailbox. Several entries (one per local
/// recipient) may share the same bytes.
///
/// Collection `mailbox_messages`, shard key `{mailbox: "hashed"}`: a mailbox's
/// listing (POP3, webmail) then reads one shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxEntry {
    /// ULID; also the POP3 UIDL, so it never changes.
    #[serde(rename = "_id")]
    pub id: String,
    pub mailbox: String,
    pub blob: BlobRef,
    /// Bytes as delivered (the stored message plus any per-delivery headers).
    pub size: i64,
    pub received_at: i64,
    /// The queue document it came from.
    pub queue_id: String,
    pub from: Option<String>,
    pub subject: Option<String>,
    /// 0 unread, 1 read.
    pub seen: i32,
}
