//! Logins remembered in the process for AUTH_CACHE_TTL, as Dovecot's
//! `auth_cache`: a mail program that polls POP3 every minute, or opens a
//! new IMAP connection per folder, is checked with Argon2 once per TTL
//! instead of at every connection.
//!
//! What is kept is a keyed hash of the address and the password (the key
//! is random per process, so the table is no password list), with the
//! password hash the login was verified against. Every login still reads
//! the mailbox and its domain: a changed password (a new hash), a disabled
//! mailbox or domain, or a removed mailbox is seen at once, and the cached
//! login with it is gone. Failures are never remembered, and every try
//! still counts against the address's budget.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How many logins one process remembers at most: past it, the expired
/// go, and if none have, the table starts again (each costs one Argon2
/// check more, never a wrong answer).
const MOST: usize = 100_000;

struct Remembered {
    password_hash: String,
    until: Instant,
}

struct LoginCache {
    key: [u8; 32],
    /// AUTH_CACHE_TTL in milliseconds; 0 remembers nothing.
    ttl_ms: AtomicU64,
    logins: Mutex<HashMap<[u8; 32], Remembered>>,
}

static CACHE: LazyLock<LoginCache> = LazyLock::new(|| LoginCache {
    key: rand::random(),
    ttl_ms: AtomicU64::new(0),
    logins: Mutex::default(),
});

/// Sets how long this process remembers a verified login (AUTH_CACHE_TTL;
/// zero turns it off), as each mail service does at start.
pub fn remember_logins_for(ttl: Duration) {
    let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
    CACHE.ttl_ms.store(ms, Ordering::Relaxed);
    if ms == 0 {
        CACHE.logins.lock().expect("login cache").clear();
    }
}

fn key_of(address: &str, password: &str) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(&CACHE.key).expect("HMAC takes any key");
    mac.update(address.as_bytes());
    // A separator no address holds, so "ab"+"c" and "a"+"bc" differ.
    mac.update(&[0]);
    mac.update(password.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Whether `password` for `address` was verified against `password_hash`
/// (the mailbox's hash as the login just read it) within the TTL.
pub(crate) fn knows(address: &str, password: &str, password_hash: &str) -> bool {
    if CACHE.ttl_ms.load(Ordering::Relaxed) == 0 {
        return false;
    }
    let key = key_of(address, password);
    let logins = CACHE.logins.lock().expect("login cache");
    logins
        .get(&key)
        .is_some_and(|r| r.until > Instant::now() && r.password_hash == password_hash)
}

/// Remembers that `password` for `address` matched `password_hash`.
pub(crate) fn remember(address: &str, password: &str, password_hash: &str) {
    let ttl = Duration::from_millis(CACHE.ttl_ms.load(Ordering::Relaxed));
    if ttl.is_zero() {
        return;
    }
    let key = key_of(address, password);
    let now = Instant::now();
    let mut logins = CACHE.logins.lock().expect("login cache");
    if logins.len() >= MOST {
        logins.retain(|_, r| r.until > now);
        if logins.len() >= MOST {
            logins.clear();
        }
    }
    logins.insert(
        key,
        Remembered {
            password_hash: password_hash.to_string(),
            until: now + ttl,
        },
    );
}
