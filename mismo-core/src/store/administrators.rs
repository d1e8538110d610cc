//! Administrators, their console sessions and their API tokens.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, DateTime};

use super::names::{ADMINISTRATORS, ADMIN_SESSIONS, API_TOKENS};
use super::{Store, StoreResult};
use crate::model::{AdminSession, Administrator, ApiToken};

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

    pub async fn insert_api_token(&self, token: &ApiToken) -> StoreResult<()> {
        self.run(self.api_tokens().insert_one(token)).await?;
        Ok(())
    }

    pub async fn get_api_token(&self, token_hash: &str) -> StoreResult<Option<ApiToken>> {
        self.run(self.api_tokens().find_one(doc! { "_id": token_hash }))
            .await
    }
}
