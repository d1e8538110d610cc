//! Secrets every node of a cluster must share (the SRS key), made once by
//! whichever node needs one first and kept in the store.

use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{doc, Binary};

use super::names::META;
use super::{Store, StoreError, StoreResult};

impl Store {
    /// The cluster's secret called `name`: 32 random bytes, the same for
    /// every node.
    pub async fn cluster_secret(&self, name: &str) -> StoreResult<Vec<u8>> {
        let id = format!("secret:{name}");
        for _ in 0..2 {
            if let Some(doc) = self
                .run(self.raw(META).find_one(doc! { "_id": &id }))
                .await?
            {
                return doc
                    .get_binary_generic("value")
                    .cloned()
                    .map_err(|_| StoreError::Corrupt(format!("{id} has no value")));
            }
            let value = Binary {
                subtype: BinarySubtype::Generic,
                bytes: rand::random::<[u8; 32]>().to_vec(),
            };
            match self
                .run(
                    self.raw(META)
                        .insert_one(doc! { "_id": &id, "value": value }),
                )
                .await
            {
                Ok(_) => {}
                // Another node made it first: read theirs.
                Err(StoreError::Duplicate(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Other(format!("{id} could not be read back")))
    }

    /// The SRS rewriter with the cluster's key.
    pub async fn srs(&self) -> StoreResult<crate::srs::Srs> {
        Ok(crate::srs::Srs::new(&self.cluster_secret("srs").await?))
    }
}
