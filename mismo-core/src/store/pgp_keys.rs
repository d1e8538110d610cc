//! Each mailbox's OpenPGP key (`pgp_keys`), with its public part also on
//! the mailbox (where webmail offers it).

use mongodb::bson::doc;

use super::names::PGP_KEYS;
use super::{Store, StoreResult};
use crate::pgp::PgpKey;

impl Store {
    /// Stores (replacing any earlier one) a mailbox's key, and its public
    /// part on the mailbox.
    pub async fn put_pgp_key(&self, key: &PgpKey) -> StoreResult<()> {
        let keys = self.collection::<PgpKey>(PGP_KEYS);
        self.run(keys.delete_one(doc! { "_id": &key.address }))
            .await?;
        self.run(keys.insert_one(key)).await?;
        self.set_pgp_public_key(&key.address, &key.public_key)
            .await?;
        Ok(())
    }

    pub async fn get_pgp_key(&self, address: &str) -> StoreResult<Option<PgpKey>> {
        self.run(
            self.collection::<PgpKey>(PGP_KEYS)
                .find_one(doc! { "_id": address }),
        )
        .await
    }
}
