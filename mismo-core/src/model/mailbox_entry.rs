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
    /// Headers this delivery adds above the stored bytes, CRLF-terminated:
    /// `Return-Path` (RFC 5321 4.4: the delivering MTA records the envelope
    /// sender) and `Delivered-To`. Kept apart because the bytes are shared by
    /// every recipient's entry; readers send these first.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub delivery_headers: String,
    /// Bytes as delivered (the delivery headers plus the stored message).
    pub size: i64,
    pub received_at: i64,
    /// The queue document it came from.
    pub queue_id: String,
    pub from: Option<String>,
    pub subject: Option<String>,
    /// 0 unread, 1 read.
    pub seen: i32,
}

/// The headers final delivery adds for envelope sender `mail_from` (empty
/// for a bounce) and the mailbox it lands in.
pub fn delivery_headers(mail_from: &str, mailbox: &str) -> String {
    format!("Return-Path: <{mail_from}>\r\nDelivered-To: {mailbox}\r\n")
}
