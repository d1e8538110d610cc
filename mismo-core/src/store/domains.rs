//! Domains.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, to_bson};

use super::names::DOMAINS;
use super::{Store, StoreResult};
use crate::model::{Activation, Domain, Verification};

impl Store {
    fn domains(&self) -> mongodb::Collection<Domain> {
        self.collection(DOMAINS)
    }

    /// Adds a domain; [`super::StoreError::Duplicate`] if it is there already.
    pub async fn insert_domain(&self, domain: &Domain) -> StoreResult<()> {
        self.run(self.domains().insert_one(domain)).await?;
        Ok(())
    }

    pub async fn get_domain(&self, name: &str) -> StoreResult<Option<Domain>> {
        self.run(self.domains().find_one(doc! { "_id": name }))
            .await
    }

    /// The domains of these names (those that exist), in one read.
    pub async fn get_domains(&self, names: &[String]) -> StoreResult<Vec<Domain>> {
        let cursor = self
            .run(self.domains().find(doc! { "_id": { "$in": names } }))
            .await?;
        self.run(cursor.try_collect()).await
    }

    pub async fn list_domains(&self) -> StoreResult<Vec<Domain>> {
        let cursor = self
            .run(self.domains().find(doc! {}).sort(doc! { "_id": 1 }))
            .await?;
        self.run(cursor.try_collect()).await
    }

    /// Sets the state; false if there is no such domain.
    pub async fn set_domain_state(&self, name: &str, state: Activation) -> StoreResult<bool> {
        let res = self
            .run(self.domains().update_one(
                doc! { "_id": name },
                doc! { "$set": { "state": state.as_str() } },
            ))
            .await?;
        Ok(res.matched_count == 1)
    }

    pub async fn set_domain_verification(
        &self,
        name: &str,
        verification: &Verification,
    ) -> StoreResult<bool> {
        let value = to_bson(verification)?;
        let res = self
            .run(self.domains().update_one(
                doc! { "_id": name },
                doc! { "$set": { "verification": value } },
            ))
            .await?;
        Ok(res.matched_count == 1)
    }

    /// Removes a domain; false if there was none.
    pub async fn remove_domain(&self, name: &str) -> StoreResult<bool> {
        let res = self
            .run(self.domains().delete_one(doc! { "_id": name }))
            .await?;
        Ok(res.deleted_count == 1)
    }
}
