use serde::{Deserialize, Serialize};

/// A webmail session: a mailbox signed in from a browser.
///
/// Collection `webmail_sessions`, shard key `{_id: "hashed"}`; removed by a
/// TTL index once expired, by signing out, and when the password changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSession {
    /// SHA-256 of the cookie's token, hex: reading the store signs no one in.
    #[serde(rename = "_id")]
    pub token_hash: String,
    pub mailbox: String,
    /// The token every form of this session carries (CSRF).
    pub csrf: String,
    pub created_at: i64,
    pub expires_at: mongodb::bson::DateTime,
}

/// What a user sets for themselves in webmail, beside the mailbox's own
/// document (whose display name they may also change).
///
/// Collection `profiles`, shard key `{_id: "hashed"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The mailbox's address.
    #[serde(rename = "_id")]
    pub address: String,
    /// Added below the body of every new message, after "-- ".
    #[serde(default)]
    pub signature: String,
    /// The picture's media type, when there is one (its bytes are read
    /// apart, only when it is shown: [`crate::Store::get_picture`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vacation: Option<Vacation>,
}

/// An RFC 3834 auto-reply, sent while it is on and today is within its
/// dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vacation {
    /// 1 when on.
    pub enabled: i32,
    /// First and last day (`YYYY-MM-DD`, UTC), both optional.
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    pub subject: String,
    pub body: String,
    /// At most one reply per sender in this many days.
    pub interval_days: i32,
}

impl Vacation {
    /// Whether replies go out on `today` (`YYYY-MM-DD`, compared as text,
    /// which orders ISO dates correctly).
    pub fn active_on(&self, today: &str) -> bool {
        self.enabled == 1
            && self.start.as_deref().is_none_or(|s| s <= today)
            && self.end.as_deref().is_none_or(|e| today <= e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vacation_dates_include_both_ends() {
        let v = Vacation {
            enabled: 1,
            start: Some("2026-07-01".into()),
            end: Some("2026-07-14".into()),
            subject: "Away".into(),
            body: "Back soon".into(),
            interval_days: 7,
        };
        assert!(!v.active_on("2026-06-30"));
        assert!(v.active_on("2026-07-01"));
        assert!(v.active_on("2026-07-14"));
        assert!(!v.active_on("2026-07-15"));
        assert!(!Vacation {
            enabled: 0,
            ..v.clone()
        }
        .active_on("2026-07-02"));
        let open = Vacation {
            start: None,
            end: None,
            ..v
        };
        assert!(open.active_on("2030-01-01"));
    }
}
