//! Queue operations for people: one message, retry now, delete.

use super::{Admin, AdminError, AdminResult};
use crate::model::{now_ms, QueuedMessage};

impl Admin<'_> {
    pub async fn queued(&self, id: &str) -> AdminResult<QueuedMessage> {
        self.store
            .get_queued(id)
            .await?
            .ok_or_else(|| AdminError::NotFound(format!("no message {id} in the queue")))
    }

    /// Makes a waiting message due now.
    pub async fn retry_queued(&self, id: &str) -> AdminResult<()> {
        let m = self.queued(id).await?;
        if !self.store.retry_now(id, now_ms()).await? {
            return Err(AdminError::Conflict(format!(
                "message {id} is {}, not waiting; only ENQUEUED messages can be retried",
                m.state.as_str()
            )));
        }
        Ok(())
    }

    /// Removes a message from the queue (its bytes go with the next sweep);
    /// not while a qprocessor is delivering it.
    pub async fn delete_queued(&self, id: &str) -> AdminResult<()> {
        let m = self.queued(id).await?;
        if !self.store.delete_queued(id).await? {
            return Err(AdminError::Conflict(format!(
                "message {id} is {}: a qprocessor is delivering it; try again in a moment",
                m.state.as_str()
            )));
        }
        Ok(())
    }
}
