//! The queue of accepted messages.

use futures_util::TryStreamExt;
use mongodb::bson::doc;

use super::names::MESSAGES;
use super::{Store, StoreResult};
use crate::model::{QueueState, QueuedMessage};

impl Store {
    fn queue(&self) -> mongodb::Collection<QueuedMessage> {
        self.collection(MESSAGES)
    }

    /// Enqueues a message whose bytes are already stored. When this returns
    /// `Ok`, the store has acknowledged the document with the configured write
    /// concern, and only then may an engine answer `250`.
    pub async fn enqueue(&self, message: &QueuedMessage) -> StoreResult<()> {
        self.run(self.queue().insert_one(message)).await?;
        Ok(())
    }

    pub async fn get_queued(&self, id: &str) -> StoreResult<Option<QueuedMessage>> {
        self.run(self.queue().find_one(doc! { "_id": id })).await
    }

    /// Queue documents, oldest first, optionally of one state.
    pub async fn list_queued(
        &self,
        state: Option<QueueState>,
        limit: i64,
    ) -> StoreResult<Vec<QueuedMessage>> {
        let filter = match state {
            Some(s) => doc! { "state": s.as_str() },
            None => doc! {},
        };
        let cursor = self
            .run(
                self.queue()
                    .find(filter)
                    .sort(doc! { "_id": 1 })
                    .limit(limit)
                    .projection(doc! { "blob.inline": 0 }),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }
}

/// Counts of queue documents by state.
pub type QueueCounts = Vec<(String, i64)>;

impl Store {
    /// Claims up to `limit` due messages for one worker (a batch, because one
    /// find-and-modify per message costs a round trip each): the due ids, one
    /// `update_many` guarded by the state that sets a fresh claim token and a
    /// lease, then the documents carrying that token. Errors are errors, never
    /// an empty queue.
    pub async fn claim_due(
        &self,
        now: i64,
        limit: i64,
        lease_ms: i64,
    ) -> StoreResult<(String, Vec<QueuedMessage>)> {
        let token = crate::model::new_id();
        let due = doc! { "state": QueueState::Enqueued.as_str(), "due_at": { "$lte": now } };
        let cursor = self
            .run(
                self.raw(MESSAGES)
                    .find(due)
                    .sort(doc! { "due_at": 1 })
                    .limit(limit)
                    .projection(doc! { "_id": 1 }),
            )
            .await?;
        let found: Vec<mongodb::bson::Document> = self.run(cursor.try_collect()).await?;
        let ids: Vec<&str> = found.iter().filter_map(|d| d.get_str("_id").ok()).collect();
        if ids.is_empty() {
            return Ok((token, Vec::new()));
        }
        self.run(self.raw(MESSAGES).update_many(
            doc! { "_id": { "$in": &ids }, "state": QueueState::Enqueued.as_str() },
            doc! { "$set": {
                "state": QueueState::Delivering.as_str(),
                "claim_token": &token,
                "lease_until": now + lease_ms,
            } },
        ))
        .await?;
        let cursor = self
            .run(self.queue().find(doc! { "claim_token": &token }))
            .await?;
        let mut claimed: Vec<QueuedMessage> = self.run(cursor.try_collect()).await?;
        // Trust the token on the document, not the query.
        claimed.retain(|m| {
            m.claim_token.as_deref() == Some(token.as_str()) && m.state == QueueState::Delivering
        });
        Ok((token, claimed))
    }

    /// A change stream that yields once per newly queued message, with
    /// nothing of the message in it: the qprocessors' wake-up. Servers
    /// without change streams (a standalone mongod) answer with an error, and
    /// polling [`Store::any_due`] remains the way to find work.
    pub async fn watch_enqueued(
        &self,
    ) -> StoreResult<
        mongodb::change_stream::ChangeStream<
            mongodb::change_stream::event::ChangeStreamEvent<mongodb::bson::Document>,
        >,
    > {
        self.run(self.raw(MESSAGES).watch().pipeline([
            doc! { "$match": { "operationType": "insert" } },
            // The event must not carry the message (inline bytes and all).
            doc! { "$project": { "_id": 1, "operationType": 1, "ns": 1, "documentKey": 1 } },
        ]))
        .await
    }

    /// Whether anything is due: the cheap probe an idle worker polls.
    pub async fn any_due(&self, now: i64) -> StoreResult<bool> {
        let found = self
            .run(
                self.raw(MESSAGES)
                    .find_one(
                        doc! { "state": QueueState::Enqueued.as_str(), "due_at": { "$lte": now } },
                    )
                    .projection(doc! { "_id": 1 }),
            )
            .await?;
        Ok(found.is_some())
    }

    /// Makes messages whose claim's lease ran out (their worker died) due again.
    pub async fn recover_expired_leases(&self, now: i64) -> StoreResult<u64> {
        let res = self
            .run(self.raw(MESSAGES).update_many(
                doc! { "state": QueueState::Delivering.as_str(), "lease_until": { "$lt": now } },
                doc! { "$set": {
                    "state": QueueState::Enqueued.as_str(),
                    "claim_token": null,
                    "lease_until": null,
                    "due_at": now,
                } },
            ))
            .await?;
        Ok(res.modified_count)
    }

    /// Writes a worker's results, if it still holds the claim. False when the
    /// claim was lost (its lease ran out and another worker took the message).
    pub async fn finish_claim(&self, message: &QueuedMessage, token: &str) -> StoreResult<bool> {
        let recipients = mongodb::bson::to_bson(&message.recipients)?;
        let res = self
            .run(self.raw(MESSAGES).update_one(
                doc! { "_id": &message.id, "claim_token": token },
                doc! { "$set": {
                    "state": message.state.as_str(),
                    "recipients": recipients,
                    "due_at": message.due_at,
                    "attempts": message.attempts,
                    "claim_token": null,
                    "lease_until": null,
                } },
            ))
            .await?;
        Ok(res.matched_count == 1)
    }

    /// Gives a claimed message back unchanged (shutdown before it was done).
    pub async fn release_claim(&self, id: &str, token: &str, now: i64) -> StoreResult<bool> {
        let res = self
            .run(self.raw(MESSAGES).update_one(
                doc! { "_id": id, "claim_token": token, "state": QueueState::Delivering.as_str() },
                doc! { "$set": {
                    "state": QueueState::Enqueued.as_str(),
                    "claim_token": null,
                    "lease_until": null,
                    "due_at": now,
                } },
            ))
            .await?;
        Ok(res.modified_count == 1)
    }

    /// Makes a waiting message due now (`mismoctl queue retry`).
    pub async fn retry_now(&self, id: &str, now: i64) -> StoreResult<bool> {
        let res = self
            .run(self.raw(MESSAGES).update_one(
                doc! { "_id": id, "state": QueueState::Enqueued.as_str() },
                doc! { "$set": { "due_at": now } },
            ))
            .await?;
        Ok(res.matched_count == 1)
    }

    /// Removes a queue document that no worker holds. Its bytes stay, since
    /// delivered mailbox entries may share them.
    pub async fn delete_queued(&self, id: &str) -> StoreResult<bool> {
        let res = self
            .run(self.raw(MESSAGES).delete_one(
                doc! { "_id": id, "state": { "$ne": QueueState::Delivering.as_str() } },
            ))
            .await?;
        Ok(res.deleted_count == 1)
    }

    /// How many queue documents are in each state.
    pub async fn queue_counts(&self) -> StoreResult<QueueCounts> {
        let cursor = self
            .run(self.raw(MESSAGES).aggregate(vec![
                doc! { "$group": { "_id": "$state", "n": { "$sum": 1 } } },
            ]))
            .await?;
        let groups: Vec<mongodb::bson::Document> = self.run(cursor.try_collect()).await?;
        let mut counts: QueueCounts = groups
            .iter()
            .filter_map(|g| {
                let state = g.get_str("_id").ok()?.to_string();
                let n = g
                    .get_i64("n")
                    .or_else(|_| g.get_i32("n").map(i64::from))
                    .ok()?;
                Some((state, n))
            })
            .collect();
        counts.sort();
        Ok(counts)
    }
}
