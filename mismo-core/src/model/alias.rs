use serde::{Deserialize, Serialize};

/// An alias: mail to `source` goes to every target.
///
/// Collection `aliases`, shard key `{_id: "hashed"}`: looked up by source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alias {
    /// `local@domain`, or `@domain` for the domain's catch-all.
    #[serde(rename = "_id")]
    pub source: String,
    pub domain: String,
    /// Addresses, local or remote; a target may itself be an alias.
    pub targets: Vec<String>,
    pub created_at: i64,
}

impl Alias {
    pub fn is_catch_all(&self) -> bool {
        self.source.starts_with('@')
    }
}
