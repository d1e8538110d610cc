use serde::{Deserialize, Serialize};

/// One folder of a mailbox: IMAP's mailbox, webmail's folder. POP3 sees only
/// INBOX.
///
/// Collection `folders`, shard key `{mailbox: 1}` (ranged, so the unique
/// index `{mailbox: 1, name: 1}` holds across a sharded cluster).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folder {
    /// [`Folder::inbox_id`] for INBOX, which always exists and is never
    /// renamed (RFC 3501 6.3.5); a ULID for every other folder, so RENAME
    /// changes one document and the messages keep pointing at it.
    #[serde(rename = "_id")]
    pub id: String,
    pub mailbox: String,
    /// The full name, levels separated by `/`, in UTF-8.
    pub name: String,
    /// RFC 3501 2.3.1.1: new whenever a folder of this name is created anew,
    /// so clients drop what they cached of the old one. Fits 32 bits.
    pub uidvalidity: i64,
    /// UIDs below this were handed out, to messages since expunged
    /// included: the next message gets at least this one.
    pub uid_floor: i64,
    /// The highest mod-sequence handed out (RFC 7162 CONDSTORE).
    pub modseq: i64,
    /// RFC 6154 attribute (`\Sent`, `\Drafts`, `\Trash`, `\Junk`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_use: Option<String>,
    /// Subscribed (IMAP LSUB, the webmail folder list). Stored as 1 or 0,
    /// as the store keeps every flag.
    #[serde(with = "super::stored_flag")]
    pub subscribed: bool,
    pub created_at: i64,
}

/// The folders every mailbox has from the start, with their RFC 6154 uses.
pub const DEFAULT_FOLDERS: [(&str, Option<&str>); 5] = [
    ("INBOX", None),
    ("Sent", Some("\\Sent")),
    ("Drafts", Some("\\Drafts")),
    ("Trash", Some("\\Trash")),
    ("Junk", Some("\\Junk")),
];

/// The hierarchy separator of folder names.
pub const SEPARATOR: char = '/';

impl Folder {
    /// INBOX's id: known without a lookup, so delivery needs none.
    pub fn inbox_id(mailbox: &str) -> String {
        format!("{mailbox}:INBOX")
    }

    /// Whether `name` is INBOX, which is case-insensitive (RFC 3501 5.1).
    pub fn is_inbox(name: &str) -> bool {
        name.eq_ignore_ascii_case("INBOX")
    }

    /// A folder name as stored: INBOX in capitals, everything else as given.
    pub fn normalise(name: &str) -> String {
        if Self::is_inbox(name) {
            "INBOX".into()
        } else if let Some(below) = name
            .get(..5)
            .filter(|head| head.eq_ignore_ascii_case("INBOX"))
            .and_then(|_| name.get(5..))
            .filter(|rest| rest.starts_with(SEPARATOR))
        {
            // `get`, not slicing: the fifth byte may fall inside a character.
            format!("INBOX{below}")
        } else {
            name.to_string()
        }
    }

    /// Why `name` cannot name a folder, if it cannot.
    pub fn check_name(name: &str) -> Result<(), &'static str> {
        if name.is_empty() {
            return Err("Folder name is empty");
        }
        if name.len() > 512 {
            return Err("Folder name is too long");
        }
        if name.chars().any(|c| c.is_control() || c == '*' || c == '%') {
            return Err("Folder name contains a forbidden character");
        }
        if name
            .split(SEPARATOR)
            .any(|level| level.is_empty() || level == "." || level == "..")
        {
            return Err("Folder name has an empty level");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(Folder::normalise("inbox"), "INBOX");
        assert_eq!(Folder::normalise("Inbox/Lists"), "INBOX/Lists");
        assert_eq!(Folder::normalise("Inboxes"), "Inboxes");
        assert_eq!(Folder::normalise("Entwürfe"), "Entwürfe");
        assert_eq!(Folder::normalise("Inbo€/x"), "Inbo€/x");
        assert!(Folder::check_name("Archive/2026").is_ok());
        assert!(Folder::check_name("").is_err());
        assert!(Folder::check_name("a//b").is_err());
        assert!(Folder::check_name("/a").is_err());
        assert!(Folder::check_name("a*").is_err());
        assert!(Folder::check_name("a\nb").is_err());
    }
}
