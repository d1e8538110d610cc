//! Login attempts per client address, counted in the store so that every
//! connection to every instance of every service draws on one budget.
//!
//! One document per address: `failures` in the current window, and `taken`,
//! the failures plus the checks in progress. A check may start only while
//! `taken` is under the limit, and starting one is a single conditional
//! increment, so parallel connections can never get more checks evaluated
//! than the limit allows, however they are spread over instances.

use std::net::IpAddr;
use std::time::Duration;

use mongodb::bson::{doc, DateTime};

use super::names::LOGIN_ATTEMPTS;
use super::{Store, StoreError, StoreResult};

/// What [`Store::begin_login`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginSlot {
    /// A check may run now; end it with `login_succeeded` or `login_failed`.
    Granted,
    /// Too many checks are in progress from this address; ask again shortly.
    Busy,
    /// The address used up its failures for this window.
    Blocked,
}

impl Store {
    /// Takes a slot for one password check from `ip`, if the budget allows.
    pub async fn begin_login(
        &self,
        ip: IpAddr,
        limit: u32,
        window: Duration,
    ) -> StoreResult<LoginSlot> {
        self.begin_attempt(&ip.to_string(), limit, window).await
    }

    /// Gives back a slot whose password was right.
    pub async fn login_succeeded(&self, ip: IpAddr) -> StoreResult<()> {
        self.attempt_succeeded(&ip.to_string()).await
    }

    /// Keeps the slot as a failure; returns the failures in this window.
    pub async fn login_failed(&self, ip: IpAddr) -> StoreResult<u32> {
        self.attempt_failed(&ip.to_string()).await
    }

    /// Takes a slot for one check counted under `id` (a client address, or
    /// an account's second factor), if its budget allows.
    pub async fn begin_attempt(
        &self,
        id: &str,
        limit: u32,
        window: Duration,
    ) -> StoreResult<LoginSlot> {
        let id = id.to_string();
        let now = DateTime::now();
        let limit = i64::from(limit);
        let expires = DateTime::from_millis(now.timestamp_millis() + millis(window));
        let started_before = DateTime::from_millis(now.timestamp_millis() - millis(window));
        self.reset_old_window(&id, now, started_before, expires)
            .await?;
        let taken = self
            .run(self.raw(LOGIN_ATTEMPTS).update_one(
                doc! { "_id": &id, "taken": { "$lt": limit } },
                doc! {
                    "$inc": { "taken": 1_i64 },
                    "$setOnInsert": { "failures": 0_i64, "since": now, "expires_at": expires },
                },
            ).upsert(true))
            .await;
        match taken {
            Ok(_) => Ok(LoginSlot::Granted),
            // The document exists and is at the limit, so the upsert's insert
            // collided with it.
            Err(StoreError::Duplicate(_)) => {
                let doc = self
                    .run(self.raw(LOGIN_ATTEMPTS).find_one(doc! { "_id": &id }))
                    .await?;
                let failures = doc
                    .as_ref()
                    .and_then(|d| super::integer(d, "failures"))
                    .unwrap_or(0);
                Ok(if failures >= limit {
                    LoginSlot::Blocked
                } else {
                    LoginSlot::Busy
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Gives back a slot of `id` whose check passed.
    pub async fn attempt_succeeded(&self, id: &str) -> StoreResult<()> {
        self.run(self.raw(LOGIN_ATTEMPTS).update_one(
            doc! { "_id": id, "taken": { "$gt": 0_i64 } },
            doc! { "$inc": { "taken": -1_i64 } },
        ))
        .await?;
        Ok(())
    }

    /// Keeps a slot of `id` as a failure; returns its failures in this
    /// window.
    pub async fn attempt_failed(&self, id: &str) -> StoreResult<u32> {
        let doc = self
            .run(
                self.raw(LOGIN_ATTEMPTS)
                    .find_one_and_update(doc! { "_id": id }, doc! { "$inc": { "failures": 1_i64 } })
                    .return_document(mongodb::options::ReturnDocument::After),
            )
            .await?;
        let failures = doc
            .and_then(|d| super::integer(&d, "failures"))
            .unwrap_or(1);
        Ok(u32::try_from(failures).unwrap_or(u32::MAX))
    }

    /// Starts a new window for `id` once the old one is over. Checks still in
    /// progress are dropped with it (a success then finds `taken` at zero and
    /// leaves it), and so is any slot a killed process never gave back.
    async fn reset_old_window(
        &self,
        id: &str,
        now: DateTime,
        started_before: DateTime,
        expires: DateTime,
    ) -> StoreResult<()> {
        self.run(self.raw(LOGIN_ATTEMPTS).update_one(
            doc! { "_id": id, "since": { "$lt": started_before } },
            doc! { "$set": { "taken": 0_i64, "failures": 0_i64, "since": now, "expires_at": expires } },
        ))
        .await?;
        Ok(())
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}
