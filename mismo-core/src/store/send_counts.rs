//! What each authenticated mailbox has sent this hour, counted in the store
//! so that every engine and webmail draw on one allowance.
//!
//! One document per mailbox: `messages` and `recipients` since `since`.
//! Taking from the allowance is one conditional increment, so parallel
//! sessions on any number of engines can never send past the limit
//! together.

use std::time::Duration;

use mongodb::bson::{doc, DateTime};

use super::names::SEND_COUNTS;
use super::{Store, StoreError, StoreResult};

/// The hour the limits count over.
pub const SEND_WINDOW: Duration = Duration::from_secs(3600);

/// What a mailbox's sending is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Messages,
    Recipients,
}

impl Sent {
    fn field(self) -> &'static str {
        match self {
            Sent::Messages => "messages",
            Sent::Recipients => "recipients",
        }
    }

    fn other(self) -> Sent {
        match self {
            Sent::Messages => Sent::Recipients,
            Sent::Recipients => Sent::Messages,
        }
    }
}

impl Store {
    /// Takes `count` of `what` from `mailbox`'s allowance of `limit` an hour:
    /// true if they fit (and are now counted), false if they would pass the
    /// limit (and nothing was counted).
    pub async fn take_sending(
        &self,
        mailbox: &str,
        what: Sent,
        count: u32,
        limit: u32,
    ) -> StoreResult<bool> {
        if count > limit {
            return Ok(false);
        }
        let now = DateTime::now();
        let window = i64::try_from(SEND_WINDOW.as_millis()).unwrap_or(i64::MAX / 4);
        let expires = DateTime::from_millis(now.timestamp_millis() + window);
        let started_before = DateTime::from_millis(now.timestamp_millis() - window);
        // A window that is over starts again from nothing.
        self.run(self.raw(SEND_COUNTS).update_one(
            doc! { "_id": mailbox, "since": { "$lt": started_before } },
            doc! { "$set": { "messages": 0_i64, "recipients": 0_i64, "since": now, "expires_at": expires } },
        ))
        .await?;
        let room = i64::from(limit) - i64::from(count);
        let taken = self
            .run(
                self.raw(SEND_COUNTS)
                    .update_one(
                        doc! { "_id": mailbox, what.field(): { "$lte": room } },
                        doc! {
                            "$inc": { what.field(): i64::from(count) },
                            "$setOnInsert": {
                                what.other().field(): 0_i64,
                                "since": now,
                                "expires_at": expires,
                            },
                        },
                    )
                    .upsert(true),
            )
            .await;
        match taken {
            Ok(_) => Ok(true),
            // The document exists with too little room left, so the upsert's
            // insert collided with it.
            Err(StoreError::Duplicate(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
