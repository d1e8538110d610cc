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
        let mut found = self.readable_blobs(std::slice::from_ref(entry)).await?;
        Ok(found.pop().map(|(_, blob)| blob))
    }

    /// [`Store::readable_blob`] for several entries of one mailbox, with one
    /// find for all whose bytes the listing left out: a reader going through
    /// a mailbox in order asks for the next few at once. Entries removed
    /// meanwhile are missing from the answer; the rest keep their order.
    pub async fn readable_blobs(
        &self,
        entries: &[MailboxEntry],
    ) -> StoreResult<Vec<(String, BlobRef)>> {
        let missing: Vec<&str> = entries
            .iter()
            .filter(|e| !e.blob.is_loaded())
            .map(|e| e.id.as_str())
            .collect();
        let mut fetched: std::collections::HashMap<String, BlobRef> = if missing.is_empty() {
            Default::default()
        } else {
            let mailbox = &entries[0].mailbox;
            let cursor = self
                .run(
                    self.entries()
                        .find(doc! { "_id": { "$in": &missing }, "mailbox": mailbox }),
                )
                .await?;
            let found: Vec<MailboxEntry> = self.run(cursor.try_collect()).await?;
            found.into_iter().map(|e| (e.id, e.blob)).collect()
        };
        Ok(entries
            .iter()
            .filter_map(|e| {
                let blob = if e.blob.is_loaded() {
                    Some(e.blob.clone())
                } else {
                    fetched.remove(&e.id)
                };
                blob.map(|b| (e.id.clone(), b))
            })
            .collect())
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
