//! Keyset pages of lists sorted by `_id` (mailboxes and aliases, whose ids
//! are their addresses): one index walk of `limit` entries however deep the
//! page is, since no `skip` is used.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Document};
use serde::de::DeserializeOwned;

use super::names::{ALIASES, MAILBOXES};
use super::{Store, StoreResult};
use crate::model::{Alias, Mailbox};

/// Which page: ids starting with `prefix`, past `after` in the order asked
/// for, in `domains` (all domains when `None`).
#[derive(Debug, Clone, Copy, Default)]
pub struct IdPage<'a> {
    pub domains: Option<&'a [String]>,
    pub prefix: &'a str,
    pub after: Option<&'a str>,
    pub descending: bool,
    pub limit: i64,
}

impl IdPage<'_> {
    fn filter(&self) -> Document {
        let mut id = doc! { "$gte": self.prefix };
        if !self.prefix.is_empty() {
            // Every id that starts with the prefix sorts below this.
            id.insert("$lt", format!("{}\u{10FFFF}", self.prefix));
        }
        match (self.after, self.descending) {
            (Some(after), false) => {
                id.insert("$gt", after);
            }
            // Past `after` going down is below it, and below it is also
            // within the prefix's upper bound, so it replaces that bound.
            (Some(after), true) => {
                id.insert("$lt", after);
            }
            (None, _) => {}
        }
        let mut filter = doc! { "_id": id };
        if let Some(domains) = self.domains {
            filter.insert("domain", doc! { "$in": domains });
        }
        filter
    }
}

impl Store {
    async fn id_page<T>(&self, collection: &str, page: &IdPage<'_>) -> StoreResult<Vec<T>>
    where
        T: DeserializeOwned + Send + Sync,
    {
        let order = if page.descending { -1 } else { 1 };
        let cursor = self
            .run(
                self.collection::<T>(collection)
                    .find(page.filter())
                    .sort(doc! { "_id": order })
                    .limit(page.limit),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }

    pub async fn mailbox_page(&self, page: &IdPage<'_>) -> StoreResult<Vec<Mailbox>> {
        self.id_page(MAILBOXES, page).await
    }

    pub async fn alias_page(&self, page: &IdPage<'_>) -> StoreResult<Vec<Alias>> {
        self.id_page(ALIASES, page).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_descending_page_continues_below_its_last_id() {
        let page = IdPage {
            prefix: "a",
            after: Some("ann@x"),
            descending: true,
            ..Default::default()
        };
        assert_eq!(
            page.filter(),
            doc! { "_id": { "$gte": "a", "$lt": "ann@x" } }
        );
        let page = IdPage {
            prefix: "a",
            after: Some("ann@x"),
            ..Default::default()
        };
        assert_eq!(
            page.filter(),
            doc! { "_id": { "$gte": "a", "$lt": "a\u{10FFFF}", "$gt": "ann@x" } }
        );
    }
}
