//! Each domain's DKIM signing key (`dkim_keys`), made on first use.

use mongodb::bson::doc;

use super::names::DKIM_KEYS;
use super::{Store, StoreError, StoreResult};
use crate::dkim::DkimKey;

impl Store {
    pub async fn get_dkim_key(&self, domain: &str) -> StoreResult<Option<DkimKey>> {
        self.run(
            self.collection::<DkimKey>(DKIM_KEYS)
                .find_one(doc! { "_id": domain }),
        )
        .await
    }

    /// The domain's key, generated and stored on first use. Two processes
    /// racing both generate; the first insert wins and both use it.
    pub async fn dkim_key(&self, domain: &str) -> StoreResult<DkimKey> {
        if let Some(key) = self.get_dkim_key(domain).await? {
            return Ok(key);
        }
        let name = domain.to_string();
        let key = tokio::task::spawn_blocking(move || DkimKey::generate(&name))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?
            .map_err(StoreError::Other)?;
        match self
            .run(self.collection::<DkimKey>(DKIM_KEYS).insert_one(&key))
            .await
        {
            Ok(_) => Ok(key),
            Err(StoreError::Duplicate(_)) => self
                .get_dkim_key(domain)
                .await?
                .ok_or_else(|| StoreError::Other("DKIM key vanished".into())),
            Err(e) => Err(e),
        }
    }
}
