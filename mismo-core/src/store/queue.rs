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
                    .limit(limit),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }
}
