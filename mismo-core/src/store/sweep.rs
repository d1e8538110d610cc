//! Collecting orphaned message bytes: chunks that no queue document and no
//! mailbox entry refers to any more (expunged and deleted mail, a document
//! that never landed after its bytes were written).
//!
//! Safe while mail is delivered, moved and deleted, because:
//! - only blobs made before a cutoff are considered, and a blob is referred
//!   to within seconds of being written (`Store::enqueue_new`);
//! - references are looked for in the order they move (queue documents, then
//!   mailbox entries: a delivery writes its entry while the queue document
//!   stays), and every copy or move writes the new reference before it
//!   removes the old one;
//! - a blob found unreferenced is only marked the first time, and removed
//!   only if a later sweep, `confirm_after` later, finds it unreferenced
//!   again. A scan that raced a MOVE (new entry behind the cursor, old one
//!   deleted ahead of it) cannot remove anything on its own.

use std::collections::HashSet;

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Document};

use super::names::{MAILBOX_MESSAGES, MESSAGES, MESSAGE_CHUNKS, ORPHAN_BLOBS};
use super::{Store, StoreResult};

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sweep {
    /// Chunked blobs old enough to be looked at.
    pub examined: u64,
    /// Unreferenced for the first time: marked, kept for now.
    pub marked: u64,
    /// Unreferenced on two sweeps `confirm_after` apart: removed.
    pub removed: u64,
}

impl Store {
    /// Sweeps blobs made before `made_before` (ms since the epoch); `now`
    /// and `confirm_after` (ms) decide when a marked blob may go.
    pub async fn sweep_orphan_blobs(
        &self,
        made_before: i64,
        now: i64,
        confirm_after: i64,
    ) -> StoreResult<Sweep> {
        let mut report = Sweep::default();
        let mut unreferenced: HashSet<String> = HashSet::new();
        let mut firsts = self
            .run(
                self.raw(MESSAGE_CHUNKS)
                    .find(doc! { "n": 0 })
                    .projection(doc! { "blob_id": 1, "_id": 0 })
                    // Answered from the index alone: the chunks' bytes are
                    // never read.
                    .hint(mongodb::options::Hint::Name("blob_id_1_n_1".into())),
            )
            .await?;
        while let Some(chunk) = self.run(firsts.try_next()).await? {
            let Ok(id) = chunk.get_str("blob_id") else {
                continue;
            };
            if made_at(id).is_some_and(|t| t < made_before) {
                unreferenced.insert(id.to_string());
            }
        }
        report.examined = unreferenced.len() as u64;
        for collection in [MESSAGES, MAILBOX_MESSAGES] {
            if unreferenced.is_empty() {
                break;
            }
            let mut refs = self
                .run(
                    self.raw(collection)
                        .find(doc! {})
                        .projection(doc! { "blob.id": 1, "_id": 0 }),
                )
                .await?;
            while let Some(owner) = self.run(refs.try_next()).await? {
                if let Some(id) = owner
                    .get_document("blob")
                    .ok()
                    .and_then(|b| b.get_str("id").ok())
                {
                    unreferenced.remove(id);
                }
            }
        }
        // Marks of blobs that are referenced again (or gone) are dropped, so
        // only an unbroken run of unreferenced sweeps removes anything.
        let cursor = self.run(self.raw(ORPHAN_BLOBS).find(doc! {})).await?;
        let marks: Vec<Document> = self.run(cursor.try_collect()).await?;
        let mut confirmed = Vec::new();
        for mark in marks {
            let Ok(id) = mark.get_str("_id") else {
                continue;
            };
            if !unreferenced.remove(id) {
                self.run(self.raw(ORPHAN_BLOBS).delete_one(doc! { "_id": id }))
                    .await?;
            } else if super::integer(&mark, "marked_at").is_some_and(|t| now - t >= confirm_after) {
                confirmed.push(id.to_string());
            } else {
                // Marked earlier, not yet long enough.
                report.marked += 1;
            }
        }
        for id in unreferenced {
            self.run(
                self.raw(ORPHAN_BLOBS)
                    .insert_one(doc! { "_id": &id, "marked_at": now }),
            )
            .await
            .or_else(|e| match e {
                super::StoreError::Duplicate(_) => Ok(Default::default()),
                e => Err(e),
            })?;
            report.marked += 1;
        }
        for id in confirmed {
            self.run(
                self.raw(MESSAGE_CHUNKS)
                    .delete_many(doc! { "blob_id": &id }),
            )
            .await?;
            self.run(self.raw(ORPHAN_BLOBS).delete_one(doc! { "_id": &id }))
                .await?;
            report.removed += 1;
        }
        Ok(report)
    }
}

/// When a blob was made: its id is a ULID, whose first part is the time.
fn made_at(id: &str) -> Option<i64> {
    let ulid = ulid::Ulid::from_string(id).ok()?;
    i64::try_from(ulid.timestamp_ms()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_id_tells_when_it_was_made() {
        let before = crate::model::now_ms();
        let id = crate::model::new_id();
        let t = made_at(&id).unwrap();
        assert!(t >= before && t <= crate::model::now_ms());
        assert_eq!(made_at("not a ulid"), None);
    }
}
