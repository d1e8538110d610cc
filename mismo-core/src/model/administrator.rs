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
    /// The second factor, once turned on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<SecondFactor>,
    /// A TOTP secret shown for scanning and not yet confirmed with a code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_pending: Option<String>,
}

/// An administrator's TOTP second factor (see `crate::second_factor`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactor {
    /// The shared secret, base32.
    pub secret: String,
    /// SHA-256 of each recovery code not used yet.
    pub recovery: Vec<String>,
    /// The last time step whose code was taken: a code works only once.
    pub last_step: i64,
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
    /// Opened with the password of an administrator who has a second
    /// factor, which is still to be given: such a session opens no page.
    #[serde(default)]
    pub second_factor_due: bool,
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
