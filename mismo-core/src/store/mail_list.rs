//! A folder's messages a page at a time, in the order webmail shows them.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Document};

use super::names::MAILBOX_MESSAGES;
use super::{Store, StoreResult};
use crate::model::MailboxEntry;

/// How a message list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    Date,
    Sender,
    Subject,
    Size,
}

impl ListOrder {
    fn field(self) -> &'static str {
        match self {
            Self::Date => "received_at",
            Self::Sender => "from",
            Self::Subject => "subject",
            Self::Size => "size",
        }
    }
}

/// What the list leaves out: the bytes (the header block stays, for marks
/// and searches).
fn listing_projection() -> Document {
    doc! { "blob.inline": 0 }
}

impl Store {
    /// One page of a folder's messages, ordered by `order` (ties by UID),
    /// descending or not.
    pub async fn folder_page(
        &self,
        mailbox: &str,
        folder: &str,
        order: ListOrder,
        descending: bool,
        skip: u64,
        limit: i64,
    ) -> StoreResult<Vec<MailboxEntry>> {
        let dir = if descending { -1 } else { 1 };
        let cursor = self
            .run(
                self.collection::<MailboxEntry>(MAILBOX_MESSAGES)
                    .find(doc! { "mailbox": mailbox, "folder": folder })
                    .sort(doc! { order.field(): dir, "uid": dir })
                    .skip(skip)
                    .limit(limit)
                    .projection(listing_projection()),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }

    /// How many messages a folder holds, and how many of them are unread.
    pub async fn folder_counts(&self, mailbox: &str, folder: &str) -> StoreResult<(u64, u64)> {
        let all = self
            .run(
                self.raw(MAILBOX_MESSAGES)
                    .count_documents(doc! { "mailbox": mailbox, "folder": folder }),
            )
            .await?;
        let unread = self
            .run(self.raw(MAILBOX_MESSAGES).count_documents(
                doc! { "mailbox": mailbox, "folder": folder, "flags": { "$ne": "\\Seen" } },
            ))
            .await?;
        Ok((all, unread))
    }

    /// Every message of the given folders (all of the mailbox's when
    /// `None`), newest first, without bytes: what a search goes through.
    pub async fn search_candidates(
        &self,
        mailbox: &str,
        folders: Option<&[String]>,
    ) -> StoreResult<Vec<MailboxEntry>> {
        let mut filter = doc! { "mailbox": mailbox };
        if let Some(folders) = folders {
            filter.insert("folder", doc! { "$in": folders });
        }
        let cursor = self
            .run(
                self.collection::<MailboxEntry>(MAILBOX_MESSAGES)
                    .find(filter)
                    .sort(doc! { "received_at": -1, "uid": -1 })
                    .projection(listing_projection()),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }
}
