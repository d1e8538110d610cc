use serde::{Deserialize, Serialize};

/// What an administrator may manage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdminRole {
    /// Everything: every domain, the queue, the administrators.
    Global,
    /// Only the domains listed on the account, and what is in them.
    Domain,
}

impl AdminRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Domain => "domain",
        }
    }
}

/// An administrator of the console and the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Administrator {
    /// The sign-in name.
    #[serde(rename = "_id")]
    pub name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub role: AdminRole,
    /// For a `domain` administrator, the domains they manage (normalised).
    pub domains: Vec<String>,
    pub created_at: i64,
}

impl Administrator {
    /// Whether this administrator may see and change `domain`.
    pub fn manages(&self, domain: &str) -> bool {
        match self.role {
            AdminRole::Global => true,
            AdminRole::Domain => self.domains.iter().any(|d| d == domain),
        }
    }
}

/// A signed-in console session. Only a hash of the cookie's token is kept,
/// so a copy of the store does not let anyone in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSession {
    /// SHA-256 of the cookie's token, hex.
    #[serde(rename = "_id")]
    pub token_hash: String,
    pub admin: String,
    /// The token every form of this session carries (CSRF).
    pub csrf: String,
    pub created_at: i64,
    /// The store removes the session after this (TTL index).
    pub expires_at: mongodb::bson::DateTime,
}

/// A bearer token for `/api/v1`, acting as its administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// SHA-256 of the token, hex.
    #[serde(rename = "_id")]
    pub token_hash: String,
    pub admin: String,
    pub created_at: i64,
}
