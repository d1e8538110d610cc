//! DKIM keys (one per local domain) and signing (RFC 6376), with mail-auth.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mail_auth::common::crypto::{RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::generate::DkimKeyPair;
use mail_auth::dkim::DkimSigner;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::EncodePublicKey;
use serde::{Deserialize, Serialize};

/// The selector Mismo publishes its keys under.
pub const SELECTOR: &str = "mismo";
/// The longest DNS character-string, in octets (RFC 1035 3.3).
const MAX_CHARACTER_STRING: usize = 255;

/// Headers covered by the signature (RFC 6376 5.4.1's recommendations).
const SIGNED_HEADERS: [&str; 9] = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Reply-To",
];

/// A domain's signing key. Collection `dkim_keys`, shard key `{_id: "hashed"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimKey {
    #[serde(rename = "_id")]
    pub domain: String,
    pub selector: String,
    /// RSA private key, PKCS#1 DER, base64.
    pub private_key: String,
    /// RSA public key, SubjectPublicKeyInfo DER, base64: the TXT record's p=.
    pub public_key: String,
    pub created_at: i64,
}

impl DkimKey {
    /// A fresh 2048-bit RSA key.
    pub fn generate(domain: &str) -> Result<Self, String> {
        let pair = DkimKeyPair::generate_rsa(2048).map_err(|e| format!("DKIM key: {e}"))?;
        let (private, public_pkcs1) = pair.into_inner();
        let spki = rsa::RsaPublicKey::from_pkcs1_der(&public_pkcs1)
            .and_then(|k| {
                k.to_public_key_der()
                    .map_err(|e| rsa::pkcs1::Error::Pkcs8(e.into()))
            })
            .map_err(|e| format!("DKIM public key: {e}"))?;
        Ok(Self {
            domain: domain.to_string(),
            selector: SELECTOR.into(),
            private_key: STANDARD.encode(private),
            public_key: STANDARD.encode(spki.as_bytes()),
            created_at: crate::model::now_ms(),
        })
    }

    /// The DNS name and TXT value to publish (the value as one string).
    pub fn txt_record(&self) -> (String, String) {
        (
            format!("{}._domainkey.{}", self.selector, self.domain),
            format!("v=DKIM1; k=rsa; p={}", self.public_key),
        )
    }

    /// The TXT value as the character-strings a zone holds: a DNS
    /// character-string carries at most 255 octets (RFC 1035 3.3), and a
    /// 2048-bit key's value is about 410, so it is published as several
    /// strings that verifiers join back together (RFC 6376 3.6.2.2).
    pub fn txt_strings(&self) -> Vec<String> {
        let (_, value) = self.txt_record();
        // The value is ASCII (base64 and `;`), so any split is on a char boundary.
        value
            .as_bytes()
            .chunks(MAX_CHARACTER_STRING)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect()
    }

    /// The record as a zone-file line, each string quoted, ready for BIND9.
    pub fn zone_line(&self) -> String {
        let (name, _) = self.txt_record();
        let strings: Vec<String> = self
            .txt_strings()
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect();
        format!("{name}. IN TXT ( {} )", strings.join(" "))
    }

    /// The DKIM-Signature header for `message`, CRLF-terminated.
    pub fn sign(&self, message: &[u8]) -> Result<String, String> {
        let der = STANDARD
            .decode(&self.private_key)
            .map_err(|e| format!("stored DKIM key: {e}"))?;
        let key =
            RsaKey::<Sha256>::from_key_der(rustls::pki_types::PrivateKeyDer::Pkcs1(der.into()))
                .map_err(|e| format!("stored DKIM key: {e}"))?;
        let signature = DkimSigner::from_key(key)
            .domain(&self.domain)
            .selector(&self.selector)
            .headers(SIGNED_HEADERS)
            .sign(message)
            .map_err(|e| format!("DKIM signing: {e}"))?;
        Ok(signature.to_header())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_is_split_into_strings_a_zone_can_hold() {
        let key = DkimKey::generate("example.org").unwrap();
        let (_, value) = key.txt_record();
        assert!(
            value.len() > 255,
            "a 2048-bit key needs more than one string"
        );
        let strings = key.txt_strings();
        assert!(strings.len() >= 2);
        assert!(strings.iter().all(|s| !s.is_empty() && s.len() <= 255));
        assert_eq!(strings.concat(), value);
        let line = key.zone_line();
        assert!(line.starts_with("mismo._domainkey.example.org. IN TXT ( \"v=DKIM1; k=rsa; p="));
        assert_eq!(line.matches('"').count(), 2 * strings.len());
    }
}
