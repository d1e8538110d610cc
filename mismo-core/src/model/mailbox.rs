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

/// What a session remembers of the mailbox it opened, to notice when it
/// should end: another password (a reset) or another mailbox under the
/// same name (removed and made again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    password_hash: String,
    created_at: i64,
}

impl Mailbox {
    pub fn credentials(&self) -> Credentials {
        Credentials {
            password_hash: self.password_hash.clone(),
            created_at: self.created_at,
        }
    }
}
