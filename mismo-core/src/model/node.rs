use serde::{Deserialize, Serialize};

/// A running service that tells the others where it can be asked how it
/// is: each smtp-engine keeps one, so the admin console can show every
/// engine's `/status` without a list to maintain.
///
/// Collection `nodes`, shard key `{_id: "hashed"}`. A node refreshes its
/// document while it runs and removes it when it stops; one that dies
/// without saying so is removed by the store once `expires_at` passes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// `kind/hostname/status address`: one per running process.
    #[serde(rename = "_id")]
    pub id: String,
    /// `smtp-engine`.
    pub kind: String,
    pub hostname: String,
    /// Where its `/status` answers (`http://host:port/status`).
    pub status_url: String,
    pub version: String,
    pub started_at: i64,
    pub seen_at: i64,
    pub expires_at: mongodb::bson::DateTime,
}

impl Node {
    /// The entry of a node seen now, kept `lifetime` unless refreshed.
    pub fn seen_now(
        kind: &str,
        hostname: &str,
        status_url: &str,
        started_at: i64,
        lifetime: std::time::Duration,
    ) -> Self {
        let now = super::now_ms();
        let lifetime = i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX);
        Self {
            id: format!("{kind}/{}", status_url.trim_start_matches("http://")),
            kind: kind.into(),
            hostname: hostname.into(),
            status_url: status_url.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            started_at,
            seen_at: now,
            expires_at: mongodb::bson::DateTime::from_millis(now.saturating_add(lifetime)),
        }
    }
}
