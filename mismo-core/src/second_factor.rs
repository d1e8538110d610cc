//! The administrators' optional second factor: TOTP (RFC 6238: SHA-1, six
//! digits, 30-second steps, as every authenticator app expects), and
//! single-use recovery codes for a lost phone. The store keeps the shared
//! secret (it must, to check codes) and only hashes of the recovery codes.

use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};

/// Recovery codes made when the second factor is turned on.
pub const RECOVERY_CODES: usize = 10;
const STEP: u64 = 30;
const ISSUER: &str = "Mismo";

/// A fresh shared secret: 160 random bits (RFC 4226 4, R6), base32.
pub fn new_secret() -> String {
    base32_encode(&rand::random::<[u8; 20]>())
}

/// Base32 (RFC 4648) without padding, as authenticator apps take secrets.
fn base32_encode(bytes: &[u8]) -> String {
    match totp_rs::Secret::Raw(bytes.to_vec()).to_encoded() {
        totp_rs::Secret::Encoded(text) => text,
        totp_rs::Secret::Raw(_) => unreachable!("to_encoded gives an encoded secret"),
    }
}

fn totp(secret: &str, account: &str) -> Result<TOTP, String> {
    let bytes = totp_rs::Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|e| format!("stored TOTP secret: {e:?}"))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        bytes,
        Some(ISSUER.into()),
        account.into(),
    )
    .map_err(|e| format!("TOTP: {e}"))
}

/// The `otpauth://` URL an authenticator app scans.
pub fn otpauth_url(secret: &str, account: &str) -> Result<String, String> {
    Ok(totp(secret, account)?.get_url())
}

/// The time step a code is valid for, if it is the code of the current
/// step or of one step either side (a clock a little off); `now` in
/// seconds since the epoch. The caller accepts each step only once.
pub fn matching_step(secret: &str, code: &str, now: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret, "x").ok()?;
    let step = now / STEP;
    [step, step.saturating_sub(1), step + 1]
        .into_iter()
        .find(|s| totp.generate(s * STEP) == code)
}

/// The code for `now` (seconds), as an authenticator app shows it.
pub fn code_at(secret: &str, now: u64) -> Result<String, String> {
    Ok(totp(secret, "x")?.generate(now))
}

/// Fresh recovery codes, shown once: `xxxxx-xxxxx`, lower-case base32.
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let code = base32_encode(&rand::random::<[u8; 7]>()).to_lowercase();
            format!("{}-{}", &code[..5], &code[5..10])
        })
        .collect()
}

/// What the store keeps of a recovery code; typed with or without its
/// dash, in either case.
pub fn recovery_hash(code: &str) -> String {
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(code.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b"f"), "MY");
        assert_eq!(new_secret().len(), 32);
    }

    #[test]
    fn codes_match_rfc_6238_and_a_step_either_side() {
        // RFC 6238 appendix B: the SHA-1 key "12345678901234567890" at
        // T = 59 s gives 94287082, whose last six digits are the code.
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(matching_step(&secret, "287082", 59), Some(1));
        assert_eq!(
            matching_step(&secret, "287 082", 75),
            Some(1),
            "a step late"
        );
        assert_eq!(matching_step(&secret, "287082", 125), None, "too late");
        assert_eq!(matching_step(&secret, "28708", 59), None);
        assert_eq!(matching_step(&secret, "abcdef", 59), None);
    }

    #[test]
    fn recovery_codes_are_many_distinct_and_forgiving_to_type() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes
            .iter()
            .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        assert_ne!(codes[0], codes[1]);
        assert_eq!(recovery_hash("abcde-fghij"), recovery_hash(" ABCDEFGHIJ "));
    }

    #[test]
    fn the_url_names_the_issuer_and_account() {
        let url = otpauth_url(&new_secret(), "root").unwrap();
        assert!(url.starts_with("otpauth://totp/Mismo:root?"), "{url}");
        assert!(url.contains("issuer=Mismo"), "{url}");
    }
}
