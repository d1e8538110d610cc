//! Aliases, catch-alls included.

use futures_util::TryStreamExt;
use mongodb::bson::doc;

use super::names::ALIASES;
use super::{Store, StoreResult};
use crate::model::{now_ms, Alias};

impl Store {
    fn aliases(&self) -> mongodb::Collection<Alias> {
        self.collection(ALIASES)
    }

    /// Creates the alias, or adds the targets to the one that exists.
    /// Returns the alias as stored.
    pub async fn add_alias_targets(
        &self,
        source: &str,
        domain: &str,
        targets: &[String],
    ) -> StoreResult<Alias> {
        match self.get_alias(source).await? {
            Some(mut alias) => {
                for t in targets {
                    if !alias.targets.contains(t) {
                        alias.targets.push(t.clone());
                    }
                }
                self.run(self.aliases().update_one(
                    doc! { "_id": source },
                    doc! { "$set": { "targets": &alias.targets } },
                ))
                .await?;
                Ok(alias)
            }
            None => {
                let mut unique: Vec<String> = Vec::new();
                for t in targets {
                    if !unique.contains(t) {
                        unique.push(t.clone());
                    }
                }
                let alias = Alias {
                    source: source.to_string(),
                    domain: domain.to_string(),
                    targets: unique,
                    created_at: now_ms(),
                };
                self.run(self.aliases().insert_one(&alias)).await?;
                Ok(alias)
            }
        }
    }

    pub async fn get_alias(&self, source: &str) -> StoreResult<Option<Alias>> {
        self.run(self.aliases().find_one(doc! { "_id": source }))
            .await
    }

    pub async fn list_aliases(&self, domain: Option<&str>) -> StoreResult<Vec<Alias>> {
        let filter = match domain {
            Some(d) => doc! { "domain": d },
            None => doc! {},
        };
        let cursor = self
            .run(self.aliases().find(filter).sort(doc! { "_id": 1 }))
            .await?;
        self.run(cursor.try_collect()).await
    }

    pub async fn count_aliases(&self, domain: &str) -> StoreResult<u64> {
        self.run(self.aliases().count_documents(doc! { "domain": domain }))
            .await
    }

    /// Takes one target off an alias; the alias as it is now, if it was
    /// there. An alias left with no target is removed (returns empty
    /// targets), as mail to it would have nowhere to go.
    pub async fn remove_alias_target(
        &self,
        source: &str,
        target: &str,
    ) -> StoreResult<Option<Alias>> {
        let after = mongodb::options::ReturnDocument::After;
        let alias = self
            .run(
                self.aliases()
                    .find_one_and_update(
                        doc! { "_id": source },
                        doc! { "$pull": { "targets": target } },
                    )
                    .return_document(after),
            )
            .await?;
        if let Some(a) = &alias {
            if a.targets.is_empty() {
                // Guarded on being empty: a target added meanwhile keeps it.
                self.run(
                    self.aliases()
                        .delete_one(doc! { "_id": source, "targets": { "$size": 0 } }),
                )
                .await?;
            }
        }
        Ok(alias)
    }

    pub async fn remove_alias(&self, source: &str) -> StoreResult<bool> {
        let res = self
            .run(self.aliases().delete_one(doc! { "_id": source }))
            .await?;
        Ok(res.deleted_count == 1)
    }
}
