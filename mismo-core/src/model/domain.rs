use serde::{Deserialize, Serialize};

use super::Activation;

/// A domain Mismo receives mail for.
///
/// Collection `domains`, shard key `{_id: "hashed"}`: looked up by name only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    /// The normalised domain name.
    #[serde(rename = "_id")]
    pub name: String,
    pub state: Activation,
    pub created_at: i64,
    pub verification: Verification,
}

/// Proof of control: the TXT record `mismo-verification=<token>` at the domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub token: String,
    pub status: VerificationStatus,
    /// When the last check ran, if ever.
    pub checked_at: Option<i64>,
    /// What the last check found, for the operator.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerificationStatus {
    Unverified,
    Verified,
    Failed,
}

impl VerificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unverified => "unverified",
            Self::Verified => "verified",
            Self::Failed => "failed",
        }
    }
}

impl Domain {
    /// A new domain, enabled at once, with a fresh verification token.
    pub fn new(name: String) -> Self {
        Self {
            name,
            state: Activation::Enabled,
            created_at: super::now_ms(),
            verification: Verification {
                token: super::new_id().to_ascii_lowercase(),
                status: VerificationStatus::Unverified,
                checked_at: None,
                detail: None,
            },
        }
    }

    /// The TXT record value that proves control of the domain.
    pub fn verification_record(&self) -> String {
        format!("mismo-verification={}", self.verification.token)
    }
}
