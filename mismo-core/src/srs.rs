//! The Sender Rewriting Scheme: mail forwarded by an alias leaves with an
//! envelope sender in the alias's domain, so SPF passes at the next hop, and
//! a bounce sent back to that address reaches the original sender.
//!
//! The format is the one libsrs2, postsrsd and Perl's Mail::SRS use, so
//! addresses stay readable by other forwarders: `SRS0=HHHH=TT=domain=local@alias`,
//! HHHH the first four base64 characters of HMAC-SHA1 over the lowercased
//! timestamp, domain and local part, TT the day number in base32. Written
//! here because the Rust SRS crates use formats of their own.
//!
//! Forwarding an address that is already SRS0 re-signs its inner sender
//! (Mail::SRS's "shortcut"): a bounce then goes straight to the original
//! sender instead of back through every forwarder.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const DAY: u64 = 86_400;
/// Timestamps wrap after 32 * 32 days.
const SLOTS: u64 = 1024;
/// How long a rewritten address accepts bounces.
pub const MAX_AGE_DAYS: u64 = 21;
const HASH_LEN: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SrsError {
    #[error("not an SRS address")]
    NotSrs,
    #[error("malformed SRS address")]
    Malformed,
    #[error("SRS hash does not match")]
    BadHash,
    #[error("SRS address has expired")]
    Expired,
}

#[derive(Clone)]
pub struct Srs {
    secret: Vec<u8>,
}

impl Srs {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            secret: secret.to_vec(),
        }
    }

    /// Whether the local part of `address` claims to be SRS.
    pub fn looks_like_srs(address: &str) -> bool {
        srs0_rest(crate::model::address::local_part(address)).is_some_and(|rest| !rest.is_empty())
    }

    /// The envelope sender for `sender`'s mail forwarded by an alias in
    /// `alias_domain`, at `now` (seconds since the epoch).
    pub fn forward(&self, sender: &str, alias_domain: &str, now: u64) -> String {
        let (local, domain) = crate::model::address::split(sender).unwrap_or((sender, ""));
        // Already rewritten by someone else: carry their original sender.
        let (domain, local) = match Self::fields(local) {
            Some([_, _, d, l]) => (d.to_string(), l.to_string()),
            None => (domain.to_string(), local.to_string()),
        };
        let stamp = timestamp(now);
        let hash = self.hash(&[&stamp, &domain, &local]);
        format!("SRS0={hash}={stamp}={domain}={local}@{alias_domain}")
    }

    /// The original sender behind an SRS0 address this node made, if its
    /// hash is right and it is at most [`MAX_AGE_DAYS`] old.
    pub fn reverse(&self, address: &str, now: u64) -> Result<String, SrsError> {
        let local = crate::model::address::local_part(address);
        if !Self::looks_like_srs(address) {
            return Err(SrsError::NotSrs);
        }
        let [hash, stamp, domain, user] = Self::fields(local).ok_or(SrsError::Malformed)?;
        if domain.is_empty() || user.is_empty() || stamp.len() != 2 {
            return Err(SrsError::Malformed);
        }
        let want = self.hash(&[stamp, domain, user]);
        if hash.len() < HASH_LEN || !hash.eq_ignore_ascii_case(&want) {
            return Err(SrsError::BadHash);
        }
        let then = day_of(stamp).ok_or(SrsError::Malformed)?;
        let today = (now / DAY) % SLOTS;
        let age = (today + SLOTS - then) % SLOTS;
        if age > MAX_AGE_DAYS {
            return Err(SrsError::Expired);
        }
        Ok(format!("{user}@{domain}"))
    }

    /// hash, timestamp, domain and local part of an SRS0 local part.
    fn fields(local: &str) -> Option<[&str; 4]> {
        // The local part may itself hold '=': it is everything after the
        // third separator.
        let mut parts = srs0_rest(local)?.splitn(4, '=');
        Some([parts.next()?, parts.next()?, parts.next()?, parts.next()?])
    }

    fn hash(&self, data: &[&str]) -> String {
        let mut mac =
            <Hmac<Sha1> as KeyInit>::new_from_slice(&self.secret).expect("HMAC takes any key");
        for d in data {
            mac.update(d.to_ascii_lowercase().as_bytes());
        }
        let digest = mac.finalize().into_bytes();
        STANDARD.encode(digest)[..HASH_LEN].to_string()
    }
}

/// What follows `SRS0=` (or `SRS0+`, `SRS0-`) at the start of a local
/// part, if it starts so. The prefix is compared as bytes: the local part
/// comes from the wire and may be UTF-8 (SMTPUTF8), where slicing the
/// string at a fixed byte could cut a character and panic.
fn srs0_rest(local: &str) -> Option<&str> {
    let head = local.as_bytes().get(..5)?;
    let tagged = head[..4].eq_ignore_ascii_case(b"SRS0") && matches!(head[4], b'=' | b'+' | b'-');
    // The five bytes are ASCII, so the sixth starts a character.
    tagged.then(|| &local[5..])
}

/// Seconds since the epoch, the `now` the rewriter takes.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn timestamp(now: u64) -> String {
    let day = (now / DAY) % SLOTS;
    let hi = BASE32[((day >> 5) & 31) as usize] as char;
    let lo = BASE32[(day & 31) as usize] as char;
    format!("{hi}{lo}")
}

fn day_of(stamp: &str) -> Option<u64> {
    stamp.bytes().try_fold(0u64, |acc, c| {
        let v = BASE32.iter().position(|&b| b == c.to_ascii_uppercase())?;
        Some(acc * 32 + v as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_795_000_000;

    #[test]
    fn a_forward_reverses_to_the_original_sender() {
        let srs = Srs::new(b"secret");
        let a = srs.forward("alice@far.test", "example.org", NOW);
        assert!(a.starts_with("SRS0="), "{a}");
        assert!(a.ends_with("=far.test=alice@example.org"), "{a}");
        assert_eq!(srs.reverse(&a, NOW).unwrap(), "alice@far.test");
        // Case may change on the way back.
        assert_eq!(
            srs.reverse(&a.to_ascii_lowercase(), NOW).unwrap(),
            "alice@far.test"
        );
    }

    #[test]
    fn forged_expired_and_malformed_addresses_are_refused() {
        let srs = Srs::new(b"secret");
        let a = srs.forward("alice@far.test", "example.org", NOW);
        assert_eq!(Srs::new(b"other").reverse(&a, NOW), Err(SrsError::BadHash));
        let forged = a.replace("=alice@", "=mallory@");
        assert_eq!(srs.reverse(&forged, NOW), Err(SrsError::BadHash));
        assert_eq!(
            srs.reverse(&a, NOW + (MAX_AGE_DAYS + 1) * DAY),
            Err(SrsError::Expired)
        );
        assert!(srs.reverse(&a, NOW + MAX_AGE_DAYS * DAY).is_ok());
        assert_eq!(srs.reverse("alice@example.org", NOW), Err(SrsError::NotSrs));
        assert_eq!(
            srs.reverse("SRS0=abc@example.org", NOW),
            Err(SrsError::Malformed)
        );
    }

    #[test]
    fn forwarding_twice_keeps_the_original_sender() {
        let first = Srs::new(b"one").forward("alice@far.test", "a.test", NOW);
        let srs = Srs::new(b"two");
        let second = srs.forward(&first, "b.test", NOW);
        assert!(second.ends_with("=far.test=alice@b.test"), "{second}");
        assert_eq!(srs.reverse(&second, NOW).unwrap(), "alice@far.test");
    }

    #[test]
    fn a_local_part_with_the_separator_survives() {
        let srs = Srs::new(b"secret");
        let a = srs.forward("a=b@far.test", "example.org", NOW);
        assert_eq!(srs.reverse(&a, NOW).unwrap(), "a=b@far.test");
    }

    /// Local parts in UTF-8 (SMTPUTF8) whose first bytes cut a character:
    /// each is looked at, forwarded and refused as an SRS address without
    /// a panic, and a UTF-8 sender comes back whole.
    #[test]
    fn utf8_local_parts_are_read_by_bytes() {
        let srs = Srs::new(b"secret");
        for local in [
            "aliçe",
            "ça",
            "aç",
            "SRSç",
            "SRS0ç",
            "SRS0=ç",
            "日本語",
            "x",
        ] {
            let address = format!("{local}@far.test");
            assert_eq!(Srs::looks_like_srs(&address), local.starts_with("SRS0="));
            let forwarded = srs.forward(&address, "example.org", NOW);
            assert!(Srs::looks_like_srs(&forwarded), "{forwarded}");
            assert_eq!(srs.reverse(&forwarded, NOW).unwrap(), address, "{local}");
            assert!(srs.reverse(&address, NOW).is_err());
        }
        assert_eq!(
            srs.reverse("SRS0=ç=ç=ç=ç@example.org", NOW),
            Err(SrsError::BadHash)
        );
    }
}
