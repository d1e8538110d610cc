//! OpenPGP keys for mailboxes (sequoia-openpgp): a fresh certificate with the
//! mailbox address as its user id, signing and encryption subkeys.
//!
//! Collection `pgp_keys`, shard key `{_id: "hashed"}`: the secret key lives
//! apart from the mailbox document, so logins never read it; the mailbox
//! keeps the public key (`pgp_public_key`) for anyone to fetch.

use sequoia_openpgp as openpgp;
use serde::{Deserialize, Serialize};

use openpgp::cert::{CertBuilder, CipherSuite};
use openpgp::serialize::SerializeInto;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PgpKey {
    /// The mailbox address.
    #[serde(rename = "_id")]
    pub address: String,
    pub fingerprint: String,
    /// ASCII-armoured public certificate.
    pub public_key: String,
    /// ASCII-armoured transferable secret key.
    pub secret_key: String,
    pub created_at: i64,
}

impl PgpKey {
    /// A new Curve25519 certificate for `address`.
    pub fn generate(address: &str) -> Result<Self, String> {
        let (cert, _revocation) = CertBuilder::new()
            .set_cipher_suite(CipherSuite::Cv25519)
            .add_userid(format!("<{address}>"))
            .add_signing_subkey()
            .add_transport_encryption_subkey()
            .add_storage_encryption_subkey()
            .generate()
            .map_err(|e| format!("OpenPGP key: {e}"))?;
        let armored = |bytes: openpgp::Result<Vec<u8>>| {
            bytes
                .map_err(|e| format!("OpenPGP armour: {e}"))
                .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
        };
        let public_key = armored(cert.armored().to_vec())?;
        let secret_key = armored(cert.as_tsk().armored().to_vec())?;
        Ok(Self {
            address: address.to_string(),
            fingerprint: cert.fingerprint().to_hex(),
            public_key,
            secret_key,
            created_at: crate::model::now_ms(),
        })
    }
}
