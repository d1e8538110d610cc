use serde::{Deserialize, Serialize};

/// One change made through the admin console or its API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// A ULID: entries sort by time.
    #[serde(rename = "_id")]
    pub id: String,
    pub at: i64,
    /// The administrator who made it.
    pub admin: String,
    /// The client address the request came from.
    pub ip: String,
    /// What was done, as `noun.verb`: `domain.add`, `mailbox.password`, ...
    pub action: String,
    /// What it was done to: a domain name or an address.
    pub target: String,
    /// The domain the target is in, so a domain administrator sees the
    /// entries about their domains only.
    pub domain: String,
    /// The values set, where there are any (never a password).
    pub detail: Option<String>,
}
