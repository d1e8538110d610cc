//! Maildrop locks: one POP3 session per mailbox across every pop3d instance.
//! A lock carries an expiry its holder keeps pushing forward, so the lock of
//! a holder that died frees itself.

use mongodb::bson::doc;

use super::names::MAILDROP_LOCKS;
use super::{Store, StoreError, StoreResult};

impl Store {
    /// Takes the lock of `mailbox` for `holder` until `now + ttl_ms`; false if
    /// another live holder has it.
    pub async fn acquire_maildrop(
        &self,
        mailbox: &str,
        holder: &str,
        now: i64,
        ttl_ms: i64,
    ) -> StoreResult<bool> {
        let lock = doc! { "_id": mailbox, "holder": holder, "expires_at": now + ttl_ms };
        match self.run(self.raw(MAILDROP_LOCKS).insert_one(lock)).await {
            Ok(_) => return Ok(true),
            Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e),
        }
        // Held: take it over only if it has expired (one atomic update, so two
        // sessions racing for a stale lock cannot both win).
        let res = self
            .run(self.raw(MAILDROP_LOCKS).update_one(
                doc! { "_id": mailbox, "expires_at": { "$lt": now } },
                doc! { "$set": { "holder": holder, "expires_at": now + ttl_ms } },
            ))
            .await?;
        Ok(res.matched_count == 1)
    }

    /// Pushes the expiry forward; false if the lock is no longer ours.
    pub async fn refresh_maildrop(
        &self,
        mailbox: &str,
        holder: &str,
        now: i64,
        ttl_ms: i64,
    ) -> StoreResult<bool> {
        let res = self
            .run(self.raw(MAILDROP_LOCKS).update_one(
                doc! { "_id": mailbox, "holder": holder },
                doc! { "$set": { "expires_at": now + ttl_ms } },
            ))
            .await?;
        Ok(res.matched_count == 1)
    }

    pub async fn release_maildrop(&self, mailbox: &str, holder: &str) -> StoreResult<()> {
        self.run(
            self.raw(MAILDROP_LOCKS)
                .delete_one(doc! { "_id": mailbox, "holder": holder }),
        )
        .await?;
        Ok(())
    }
}
