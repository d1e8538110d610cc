//! Delivered messages in mailboxes.

use futures_util::TryStreamExt;
use mongodb::bson::doc;

use super::names::MAILBOX_MESSAGES;
use super::{Store, StoreResult};
use crate::model::{BlobRef, MailboxEntry};

impl Store {
    fn entries(&self) -> mongodb::Collection<MailboxEntry> {
        self.collection(MAILBOX_MESSAGES)
    }

    pub async fn insert_entry(&self, entry: &MailboxEntry) -> StoreResult<()> {
        self.run(self.entries().insert_one(entry)).await?;
        Ok(())
    }

    /// A mailbox's messages, oldest first, without their inline bytes (a
    /// listing must not cost the whole mailbox in memory): read those with
    /// [`Store::get_entry`].
    pub async fn list_entries(&self, mailbox: &str) -> StoreResult<Vec<MailboxEntry>> {
        let cursor = self
            .run(
                self.entries()
                    .find(doc! { "mailbox": mailbox })
                    .sort(doc! { "received_at": 1, "_id": 1 })
                    .projection(doc! { "blob.inline": 0 }),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }

    pub async fn get_entry(&self, mailbox: &str, id: &str) -> StoreResult<Option<MailboxEntry>> {
        self.run(
            self.entries()
                .find_one(doc! { "_id": id, "mailbox": mailbox }),
        )
        .await
    }

    /// An entry's bytes reference, ready to read: as listed for chunked bytes,
    /// or with its inline bytes fetched (one find) when the listing left them
    /// out. `None` if the entry was removed meanwhile.
    pub async fn readable_blob(&self, entry: &MailboxEntry) -> StoreResult<Option<BlobRef>> {
        if entry.blob.is_loaded() {
            return Ok(Some(entry.blob.clone()));
        }
        Ok(self
            .get_entry(&entry.mailbox, &entry.id)
            .await?
            .map(|e| e.blob))
    }

    /// Removes the given entries of one mailbox; returns how many went.
    pub async fn delete_entries(&self, mailbox: &str, ids: &[String]) -> StoreResult<u64> {
        let res = self
            .run(
                self.entries()
                    .delete_many(doc! { "_id": { "$in": ids }, "mailbox": mailbox }),
            )
            .await?;
        Ok(res.deleted_count)
    }

    /// Removes every entry of a mailbox; returns how many went.
    pub async fn delete_mailbox_entries(&self, mailbox: &str) -> StoreResult<u64> {
        let res = self
            .run(self.entries().delete_many(doc! { "mailbox": mailbox }))
            .await?;
        Ok(res.deleted_count)
    }
}
