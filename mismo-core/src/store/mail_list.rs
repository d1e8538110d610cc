//! A folder's messages a page at a time, in the order webmail shows them.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Document};

use super::names::MAILBOX_MESSAGES;
use super::{Store, StoreResult};
use crate::model::{Flag, MailboxEntry};

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

/// Newest first, ties by UID.
fn newest_first() -> Document {
    doc! { "received_at": -1, "uid": -1 }
}

impl Store {
    /// Entries matching `filter` in `sort` order, `limit` of them after
    /// `skip` (all when `None`), without their bytes.
    async fn listed(
        &self,
        filter: Document,
        sort: Document,
        skip: u64,
        limit: Option<i64>,
    ) -> StoreResult<Vec<MailboxEntry>> {
        let cursor = self
            .run(
                self.collection::<MailboxEntry>(MAILBOX_MESSAGES)
                    .find(filter)
                    .sort(sort)
                    .skip(skip)
                    .limit(limit.unwrap_or(0))
                    .projection(listing_projection()),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }

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
        self.listed(
            doc! { "mailbox": mailbox, "folder": folder },
            doc! { order.field(): dir, "uid": dir },
            skip,
            Some(limit),
        )
        .await
    }

    /// The newest messages of a folder, `limit` of them after `skip`: what
    /// the list shows by default. The store reads every document of a range
    /// before it sorts, so this asks for the last hour first and widens the
    /// window fourfold until it holds the page (or everything): each look is
    /// an index range of about the size of the page, not the whole folder.
    pub async fn newest_page(
        &self,
        mailbox: &str,
        folder: &str,
        skip: u64,
        limit: i64,
    ) -> StoreResult<Vec<MailboxEntry>> {
        let now = crate::model::now_ms();
        let mut span: i64 = 3_600_000;
        loop {
            let everything = span >= now;
            let mut filter = doc! { "mailbox": mailbox, "folder": folder };
            if !everything {
                filter.insert("received_at", doc! { "$gte": now - span });
            }
            let page = self
                .listed(filter, newest_first(), skip, Some(limit))
                .await?;
            if page.len() as i64 >= limit || everything {
                return Ok(page);
            }
            span = span.saturating_mul(4);
        }
    }

    /// How many messages a folder holds, and how many of them are unread:
    /// one pass over the folder (two counts would read it twice).
    pub async fn folder_counts(&self, mailbox: &str, folder: &str) -> StoreResult<(u64, u64)> {
        let pipeline = vec![
            doc! { "$match": { "mailbox": mailbox, "folder": folder } },
            doc! { "$group": {
                "_id": null,
                "total": { "$sum": 1 },
                "unread": { "$sum": { "$cond": [
                    { "$in": [Flag::Seen.as_str(), { "$ifNull": ["$flags", []] }] }, 0, 1
                ] } },
            } },
        ];
        let cursor = self
            .run(self.raw(MAILBOX_MESSAGES).aggregate(pipeline))
            .await?;
        let found: Vec<Document> = self.run(cursor.try_collect()).await?;
        let count = |field: &str| {
            found
                .first()
                .and_then(|d| super::integer(d, field))
                .map_or(0, |n| u64::try_from(n).unwrap_or(0))
        };
        Ok((count("total"), count("unread")))
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
        self.listed(filter, newest_first(), 0, None).await
    }
}
