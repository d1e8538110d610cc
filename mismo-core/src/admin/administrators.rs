//! Administrators: accounts, console sessions and API tokens.
//!
//! Session cookies and API tokens are 32 random octets; the store keeps only
//! their SHA-256, so reading the store (a backup, say) signs no one in.

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::{Admin, AdminError, AdminResult};
use crate::model::address::normalize_domain;
use crate::model::{now_ms, AdminRole, AdminSession, Administrator, ApiToken};
use crate::{password, StoreError};

/// How long a console session lasts from sign-in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// A fresh random token, URL- and header-safe.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An administrator's name: 1 to 64 of `a-z 0-9 . _ - @`, so it reads the
/// same in a page, a log line and a URL.
fn check_name(name: &str) -> AdminResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-@".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!(
            "bad administrator name {name:?}: use 1 to 64 of a-z, 0-9, '.', '_', '-' and '@'"
        )))
    }
}

impl Admin<'_> {
    /// Adds an administrator: `global` without domains, else a `domain`
    /// administrator of those domains, each of which must exist.
    pub async fn add_administrator(
        &self,
        name: &str,
        new_password: &str,
        domains: &[String],
    ) -> AdminResult<Administrator> {
        check_name(name)?;
        password::check_new(new_password).map_err(|e| AdminError::Invalid(e.into()))?;
        let mut names = Vec::new();
        for domain in domains {
            let domain = self.domain(&normalize_domain(domain)?).await?;
            if !names.contains(&domain.name) {
                names.push(domain.name);
            }
        }
        let admin = Administrator {
            name: name.to_string(),
            password_hash: password::hash(new_password).map_err(AdminError::Invalid)?,
            role: if names.is_empty() {
                AdminRole::Global
            } else {
                AdminRole::Domain
            },
            domains: names,
            created_at: now_ms(),
            totp: None,
            totp_pending: None,
        };
        match self.store.insert_administrator(&admin).await {
            Ok(()) => Ok(admin),
            Err(StoreError::Duplicate(_)) => Err(AdminError::Conflict(format!(
                "administrator {name} exists already"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn administrator(&self, name: &str) -> AdminResult<Administrator> {
        self.store
            .get_administrator(name)
            .await?
            .ok_or_else(|| AdminError::NotFound(format!("no administrator {name}")))
    }

    pub async fn remove_administrator(&self, name: &str) -> AdminResult<()> {
        if !self.store.remove_administrator(name).await? {
            return Err(AdminError::NotFound(format!("no administrator {name}")));
        }
        Ok(())
    }

    /// Makes an API token for the administrator; it is shown once.
    pub async fn new_api_token(&self, name: &str) -> AdminResult<String> {
        self.administrator(name).await?;
        let token = new_token();
        self.store
            .insert_api_token(&ApiToken {
                token_hash: token_hash(&token),
                admin: name.to_string(),
                created_at: now_ms(),
            })
            .await?;
        Ok(token)
    }

    /// The administrator an API token acts as; `None` for an unknown token.
    pub async fn token_administrator(&self, token: &str) -> AdminResult<Option<Administrator>> {
        let Some(found) = self.store.get_api_token(&token_hash(token)).await? else {
            return Ok(None);
        };
        Ok(self.store.get_administrator(&found.admin).await?)
    }

    /// Opens a console session; returns the cookie's token. An
    /// administrator with a second factor gets a session that opens no page
    /// until the code is given ([`Admin::complete_session`]).
    pub async fn open_session(&self, admin: &Administrator) -> AdminResult<String> {
        let token = new_token();
        let now = now_ms();
        let session = AdminSession {
            token_hash: token_hash(&token),
            admin: admin.name.clone(),
            csrf: new_token(),
            created_at: now,
            second_factor_due: admin.totp.is_some(),
            expires_at: mongodb::bson::DateTime::from_millis(
                now + SESSION_LIFETIME.as_millis() as i64,
            ),
        };
        self.store.insert_admin_session(&session).await?;
        Ok(token)
    }

    /// The live session a cookie's token names, with its administrator.
    pub async fn session(&self, token: &str) -> AdminResult<Option<(AdminSession, Administrator)>> {
        let Some(session) = self.store.get_admin_session(&token_hash(token)).await? else {
            return Ok(None);
        };
        let admin = self.store.get_administrator(&session.admin).await?;
        Ok(admin.map(|a| (session, a)))
    }

    /// After the second factor was given: the waiting session is replaced
    /// by a full one under a new token (so a token seen before the second
    /// factor never opens a page); returns the new token.
    pub async fn complete_session(&self, token: &str) -> AdminResult<String> {
        let hash = token_hash(token);
        let Some(waiting) = self.store.get_admin_session(&hash).await? else {
            return Err(AdminError::NotFound("the sign-in has expired".into()));
        };
        let fresh = new_token();
        let session = AdminSession {
            token_hash: token_hash(&fresh),
            csrf: new_token(),
            created_at: now_ms(),
            second_factor_due: false,
            ..waiting
        };
        self.store.insert_admin_session(&session).await?;
        self.store.remove_admin_session(&hash).await?;
        Ok(fresh)
    }

    pub async fn close_session(&self, token: &str) -> AdminResult<()> {
        self.store.remove_admin_session(&token_hash(token)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_tokens() {
        assert!(check_name("ops").is_ok());
        assert!(check_name("ann@example.org").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("Ann").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name(&"a".repeat(65)).is_err());
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }
}
