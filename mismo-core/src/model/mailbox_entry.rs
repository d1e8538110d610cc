use serde::{Deserialize, Serialize};

use super::{BlobRef, Flag, Uid};

/// One message in one folder of one mailbox. Several entries (one per local
/// recipient, and IMAP copies) may share the same bytes.
///
/// Collection `mailbox_messages`, shard key `{mailbox: 1}` (ranged): a
/// mailbox's listing reads one shard, and the unique index
/// `{mailbox: 1, folder: 1, uid: 1}` holds across shards.
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
    /// The folder's id ([`super::Folder::id`]).
    pub folder: String,
    /// IMAP UID: unique in the folder, and larger than every UID the folder
    /// handed out before. Set by `Store::insert_entry`.
    pub uid: Uid,
    /// System flags (`\Seen`, `\Answered`, `\Flagged`, `\Deleted`,
    /// `\Draft`) and keywords, as IMAP names them.
    #[serde(default)]
    pub flags: Vec<String>,
    /// RFC 7162 mod-sequence of the last change. Set by the store.
    #[serde(default)]
    pub modseq: i64,
    /// The stored message's header block (blank line included), kept apart
    /// so IMAP can answer ENVELOPE and header searches without reading
    /// bodies. Set by the store for messages kept inline; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "serde_bytes")]
    pub header: Option<Vec<u8>>,
}

/// Headers longer than this are not kept apart (read from the message).
const MAX_HEADER: usize = 64 * 1024;

/// The header block of `message`, up to and including its blank line, if
/// it has one within [`MAX_HEADER`] octets.
pub fn header_block(message: &[u8]) -> Option<Vec<u8>> {
    let window = &message[..message.len().min(MAX_HEADER)];
    if window.starts_with(b"\r\n") {
        return Some(b"\r\n".to_vec());
    }
    window
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| window[..p + 4].to_vec())
}

impl MailboxEntry {
    /// A message put into a folder as it is, not delivered (IMAP APPEND,
    /// webmail's Sent and Drafts): the stored bytes `blob` of `message`,
    /// with its sender and subject read from it, and no delivery headers.
    /// Its UID and mod-sequence come when it is filed
    /// (`Store::insert_entry`).
    pub fn appended(
        mailbox: &str,
        folder: &str,
        blob: BlobRef,
        message: &[u8],
        received_at: i64,
        flags: Vec<String>,
    ) -> Self {
        let (headers, _) = crate::summary::summarize(message);
        Self {
            id: super::new_id(),
            mailbox: mailbox.to_string(),
            size: blob.size,
            blob,
            delivery_headers: String::new(),
            received_at,
            queue_id: String::new(),
            from: headers.from,
            subject: headers.subject,
            folder: folder.to_string(),
            uid: Uid::default(),
            flags,
            modseq: 0,
            header: None,
        }
    }

    /// Whether a flag (a system flag's name, or a keyword) is set.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }

    pub fn has(&self, flag: Flag) -> bool {
        self.has_flag(flag.as_str())
    }

    pub fn is_seen(&self) -> bool {
        self.has(Flag::Seen)
    }
}

/// The headers final delivery adds for envelope sender `mail_from` (empty
/// for a bounce) and the mailbox it lands in.
pub fn delivery_headers(mail_from: &str, mailbox: &str) -> String {
    format!("Return-Path: <{mail_from}>\r\nDelivered-To: {mailbox}\r\n")
}
