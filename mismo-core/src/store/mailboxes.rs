//! Mailboxes.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Document};

use super::names::{MAILBOXES, MAILBOX_MESSAGES};
use super::{Store, StoreResult};
use crate::model::{Activation, Mailbox};

/// What a mailbox holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Usage {
    pub messages: i64,
    pub bytes: i64,
}

impl Store {
    fn mailboxes(&self) -> mongodb::Collection<Mailbox> {
        self.collection(MAILBOXES)
    }

    /// Adds a mailbox; [`super::StoreError::Duplicate`] if the address is taken.
    pub async fn insert_mailbox(&self, mailbox: &Mailbox) -> StoreResult<()> {
        self.run(self.mailboxes().insert_one(mailbox)).await?;
        Ok(())
    }

    pub async fn get_mailbox(&self, address: &str) -> StoreResult<Option<Mailbox>> {
        self.run(self.mailboxes().find_one(doc! { "_id": address }))
            .await
    }

    /// The mailboxes at these addresses (those that exist), in one read.
    pub async fn get_mailboxes(&self, addresses: &[String]) -> StoreResult<Vec<Mailbox>> {
        let cursor = self
            .run(self.mailboxes().find(doc! { "_id": { "$in": addresses } }))
            .await?;
        self.run(cursor.try_collect()).await
    }

    /// Every mailbox, or those of one domain, by address.
    pub async fn list_mailboxes(&self, domain: Option<&str>) -> StoreResult<Vec<Mailbox>> {
        let filter = match domain {
            Some(d) => doc! { "domain": d },
            None => doc! {},
        };
        let cursor = self
            .run(self.mailboxes().find(filter).sort(doc! { "_id": 1 }))
            .await?;
        self.run(cursor.try_collect()).await
    }

    pub async fn set_mailbox_details(
        &self,
        address: &str,
        quota_bytes: i64,
        display_name: Option<&str>,
    ) -> StoreResult<bool> {
        self.update_mailbox(
            address,
            doc! { "quota_bytes": quota_bytes, "display_name": display_name },
        )
        .await
    }

    /// How many mailboxes each domain has (domains with none are absent),
    /// counted in the store in one aggregation.
    pub async fn mailbox_counts(&self) -> StoreResult<HashMap<String, u64>> {
        let cursor = self
            .run(self.raw(MAILBOXES).aggregate(vec![
                doc! { "$group": { "_id": "$domain", "n": { "$sum": 1 } } },
            ]))
            .await?;
        let groups: Vec<Document> = self.run(cursor.try_collect()).await?;
        Ok(groups
            .iter()
            .filter_map(|g| {
                let domain = g.get_str("_id").ok()?.to_string();
                let n = u64::try_from(super::integer(g, "n")?).ok()?;
                Some((domain, n))
            })
            .collect())
    }

    pub async fn count_mailboxes(&self, domain: &str) -> StoreResult<u64> {
        self.run(self.mailboxes().count_documents(doc! { "domain": domain }))
            .await
    }

    pub async fn set_mailbox_state(&self, address: &str, state: Activation) -> StoreResult<bool> {
        self.update_mailbox(address, doc! { "state": state.as_str() })
            .await
    }

    pub async fn set_password_hash(&self, address: &str, hash: &str) -> StoreResult<bool> {
        self.update_mailbox(address, doc! { "password_hash": hash })
            .await
    }

    pub async fn set_pgp_public_key(&self, address: &str, armored: &str) -> StoreResult<bool> {
        self.update_mailbox(address, doc! { "pgp_public_key": armored })
            .await
    }

    async fn update_mailbox(&self, address: &str, set: Document) -> StoreResult<bool> {
        let res = self
            .run(
                self.mailboxes()
                    .update_one(doc! { "_id": address }, doc! { "$set": set }),
            )
            .await?;
        Ok(res.matched_count == 1)
    }

    pub async fn remove_mailbox(&self, address: &str) -> StoreResult<bool> {
        let res = self
            .run(self.mailboxes().delete_one(doc! { "_id": address }))
            .await?;
        Ok(res.deleted_count == 1)
    }

    /// Whether `address`'s mailbox has room for `bytes` more under its
    /// quota (see [`Mailbox::has_room`]): IMAP APPEND and COPY, and
    /// webmail's Sent and Drafts. Usage is summed only under a quota.
    pub async fn has_room(&self, address: &str, bytes: i64) -> StoreResult<bool> {
        let Some(mailbox) = self.get_mailbox(address).await? else {
            return Ok(false);
        };
        if mailbox.quota_bytes <= 0 {
            return Ok(true);
        }
        let usage = self.mailbox_usage(address).await?;
        Ok(mailbox.has_room(usage.bytes, bytes))
    }

    /// Messages and bytes held by a mailbox.
    pub async fn mailbox_usage(&self, address: &str) -> StoreResult<Usage> {
        let addresses = [address.to_string()];
        Ok(self
            .usage_by_mailbox(&addresses)
            .await?
            .remove(address)
            .unwrap_or_default())
    }

    /// Messages and bytes held by each of these mailboxes (those holding
    /// nothing are absent), summed in the store in one aggregation over the
    /// entries' shard key.
    pub async fn usage_by_mailbox(
        &self,
        addresses: &[String],
    ) -> StoreResult<HashMap<String, Usage>> {
        let pipeline = vec![
            doc! { "$match": { "mailbox": { "$in": addresses } } },
            doc! { "$group": { "_id": "$mailbox", "messages": { "$sum": 1 }, "bytes": { "$sum": "$size" } } },
        ];
        let cursor = self
            .run(self.raw(MAILBOX_MESSAGES).aggregate(pipeline))
            .await?;
        let groups: Vec<Document> = self.run(cursor.try_collect()).await?;
        let number = |d: &Document, k: &str| super::integer(d, k).unwrap_or(0);
        Ok(groups
            .iter()
            .filter_map(|g| {
                let usage = Usage {
                    messages: number(g, "messages"),
                    bytes: number(g, "bytes"),
                };
                Some((g.get_str("_id").ok()?.to_string(), usage))
            })
            .collect())
    }

    /// How many mailboxes a domain has, and the messages and bytes they
    /// hold. Summed in the store, a batch of mailboxes per aggregation, so
    /// a large domain never makes one oversized query.
    pub async fn domain_usage(&self, domain: &str) -> StoreResult<(u64, Usage)> {
        const BATCH: usize = 1000;
        let cursor = self
            .run(
                self.raw(MAILBOXES)
                    .find(doc! { "domain": domain })
                    .projection(doc! { "_id": 1 }),
            )
            .await?;
        let ids: Vec<Document> = self.run(cursor.try_collect()).await?;
        let addresses: Vec<String> = ids
            .iter()
            .filter_map(|d| d.get_str("_id").ok().map(str::to_string))
            .collect();
        let mut total = Usage::default();
        for batch in addresses.chunks(BATCH) {
            for usage in self.usage_by_mailbox(batch).await?.values() {
                total.messages += usage.messages;
                total.bytes += usage.bytes;
            }
        }
        Ok((addresses.len() as u64, total))
    }
}
