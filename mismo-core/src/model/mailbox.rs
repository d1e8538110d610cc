use serde::{Deserialize, Serialize};

use super::Activation;

/// A mailbox: a login and a maildrop.
///
/// Collection `mailboxes`, shard key `{_id: "hashed"}`: every lookup is by
/// address, and `_id` being the address makes a duplicate impossible even on a
/// sharded cluster (where only the shard key can carry a unique index).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    /// The normalised address, also the login name.
    #[serde(rename = "_id")]
    pub address: String,
    pub domain: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub state: Activation,
    /// Bytes the maildrop may hold; 0 means no limit.
    pub quota_bytes: i64,
    pub display_name: Option<String>,
    pub created_at: i64,
    /// ASCII-armoured OpenPGP certificate (public part), when one was generated.
    pub pgp_public_key: Option<String>,
}

impl Mailbox {
    /// Whether `more` bytes fit beside the `used` ones under the quota
    /// (always, without one): the one rule for delivery, IMAP APPEND and
    /// COPY, and webmail's Sent and Drafts.
    pub fn has_room(&self, used: i64, more: i64) -> bool {
        self.quota_bytes <= 0 || used + more <= self.quota_bytes
    }
}
