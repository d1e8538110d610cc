//! The audit log of the admin console.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Regex};

use super::names::AUDIT_LOG;
use super::{Store, StoreResult};
use crate::model::AuditEntry;

impl Store {
    fn audit_log(&self) -> mongodb::Collection<AuditEntry> {
        self.collection(AUDIT_LOG)
    }

    pub async fn insert_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.run(self.audit_log().insert_one(entry)).await?;
        Ok(())
    }

    /// Entries newest first, older than `before` (an entry id), about
    /// `domains` (all when `None`; with them, also those about the `reader`'s
    /// own account, such as its second factor's lock), and when `search` is
    /// not empty, whose administrator, action, target or address contains
    /// it (any case).
    pub async fn audit_page(
        &self,
        domains: Option<&[String]>,
        reader: &str,
        search: &str,
        before: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        let mut scope = Vec::new();
        if let Some(domains) = domains {
            scope.push(doc! { "$or": [
                { "domain": { "$in": domains } },
                { "domain": "", "target": reader },
            ] });
        }
        let mut filter = doc! {};
        if let Some(before) = before {
            filter.insert("_id", doc! { "$lt": before });
        }
        if !search.is_empty() {
            let pattern = Regex {
                pattern: super::regex_literal(search),
                options: "i".into(),
            };
            let fields: Vec<_> = ["admin", "action", "target", "ip"]
                .iter()
                .map(|field| doc! { *field: pattern.clone() })
                .collect();
            scope.push(doc! { "$or": fields });
        }
        if !scope.is_empty() {
            filter.insert("$and", scope);
        }
        let cursor = self
            .run(
                self.audit_log()
                    .find(filter)
                    .sort(doc! { "_id": -1 })
                    .limit(limit),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }
}
