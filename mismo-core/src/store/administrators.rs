//! Administrators, their console sessions and their API tokens.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, DateTime};

use super::names::{ADMINISTRATORS, ADMIN_SESSIONS, API_TOKENS};
use super::{Store, StoreResult};
use crate::model::{AdminSession, Administrator, ApiToken, SecondFactor};

impl Store {
    fn administrators(&self) -> mongodb::Collection<Administrator> {
        self.collection(ADMINISTRATORS)
    }

    fn admin_sessions(&self) -> mongodb::Collection<AdminSession> {
        self.collection(ADMIN_SESSIONS)
    }

    fn api_tokens(&self) -> mongodb::Collection<ApiToken> {
        self.collection(API_TOKENS)
    }

    /// [`super::StoreError::Duplicate`] if the name is taken.
    pub async fn insert_administrator(&self, admin: &Administrator) -> StoreResult<()> {
        self.run(self.administrators().insert_one(admin)).await?;
        Ok(())
    }

    pub async fn get_administrator(&self, name: &str) -> StoreResult<Option<Administrator>> {
        self.run(self.administrators().find_one(doc! { "_id": name }))
            .await
    }

    pub async fn list_administrators(&self) -> StoreResult<Vec<Administrator>> {
        let cursor = self
            .run(self.administrators().find(doc! {}).sort(doc! { "_id": 1 }))
            .await?;
        self.run(cursor.try_collect()).await
    }

    /// Removes an administrator with their sessions and tokens; false if
    /// there was none.
    pub async fn remove_administrator(&self, name: &str) -> StoreResult<bool> {
        let res = self
            .run(self.administrators().delete_one(doc! { "_id": name }))
            .await?;
        self.run(self.admin_sessions().delete_many(doc! { "admin": name }))
            .await?;
        self.run(self.api_tokens().delete_many(doc! { "admin": name }))
            .await?;
        Ok(res.deleted_count == 1)
    }

    pub async fn insert_admin_session(&self, session: &AdminSession) -> StoreResult<()> {
        self.run(self.admin_sessions().insert_one(session)).await?;
        Ok(())
    }

    /// The session with this token hash, unless it has expired (the TTL
    /// index removes expired sessions only once a minute).
    pub async fn get_admin_session(&self, token_hash: &str) -> StoreResult<Option<AdminSession>> {
        self.run(self.admin_sessions().find_one(doc! {
            "_id": token_hash,
            "expires_at": { "$gt": DateTime::now() },
        }))
        .await
    }

    pub async fn remove_admin_session(&self, token_hash: &str) -> StoreResult<()> {
        self.run(self.admin_sessions().delete_one(doc! { "_id": token_hash }))
            .await?;
        Ok(())
    }

    /// Marks a session's second factor as given.
    pub async fn complete_admin_session(&self, token_hash: &str) -> StoreResult<bool> {
        let res = self
            .run(self.admin_sessions().update_one(
                doc! { "_id": token_hash },
                doc! { "$set": { "second_factor_due": false } },
            ))
            .await?;
        Ok(res.matched_count == 1)
    }

    /// Sets (or clears) the secret waiting to be confirmed.
    pub async fn set_totp_pending(&self, name: &str, secret: Option<&str>) -> StoreResult<bool> {
        self.update_administrator(name, doc! {}, doc! { "$set": { "totp_pending": secret } })
            .await
    }

    /// Turns the second factor on, if `factor.secret` is still the one
    /// waiting to be confirmed.
    pub async fn enable_totp(&self, name: &str, factor: &SecondFactor) -> StoreResult<bool> {
        let factor = mongodb::bson::to_bson(factor)
            .map_err(|e| super::StoreError::Other(format!("second factor: {e}")))?;
        self.update_administrator(
            name,
            doc! { "totp_pending": factor.as_document().and_then(|d| d.get_str("secret").ok()) },
            doc! { "$set": { "totp": factor }, "$unset": { "totp_pending": "" } },
        )
        .await
    }

    /// Turns the second factor off.
    pub async fn disable_totp(&self, name: &str) -> StoreResult<bool> {
        self.update_administrator(
            name,
            doc! {},
            doc! { "$unset": { "totp": "", "totp_pending": "" } },
        )
        .await
    }

    /// Takes the code of time step `step`, unless it or a later one was
    /// taken already (a code works once, even from two consoles at once).
    pub async fn take_totp_step(&self, name: &str, step: i64) -> StoreResult<bool> {
        self.update_administrator(
            name,
            doc! { "totp.last_step": { "$lt": step } },
            doc! { "$set": { "totp.last_step": step } },
        )
        .await
    }

    /// Uses up a recovery code, if it is one not used yet.
    pub async fn take_recovery_code(&self, name: &str, hash: &str) -> StoreResult<bool> {
        self.update_administrator(
            name,
            doc! { "totp.recovery": hash },
            doc! { "$pull": { "totp.recovery": hash } },
        )
        .await
    }

    /// One guarded update of an administrator; whether it matched.
    async fn update_administrator(
        &self,
        name: &str,
        mut guard: mongodb::bson::Document,
        update: mongodb::bson::Document,
    ) -> StoreResult<bool> {
        guard.insert("_id", name);
        let res = self
            .run(self.administrators().update_one(guard, update))
            .await?;
        Ok(res.modified_count == 1)
    }

    pub async fn insert_api_token(&self, token: &ApiToken) -> StoreResult<()> {
        self.run(self.api_tokens().insert_one(token)).await?;
        Ok(())
    }

    pub async fn get_api_token(&self, token_hash: &str) -> StoreResult<Option<ApiToken>> {
        self.run(self.api_tokens().find_one(doc! { "_id": token_hash }))
            .await
    }
}
