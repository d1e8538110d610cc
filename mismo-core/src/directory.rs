//! The directory (domains, mailboxes, aliases, DKIM keys, vacation
//! replies) as a busy service reads it over and over: each answer kept for
//! a few seconds.
//!
//! Every message a qprocessor delivers asks the same few questions (is this
//! domain hosted, is this address a mailbox or an alias, which key signs for
//! this domain), and the answers change only when an operator changes them.
//! Asking the store each time costs several round trips per message. A
//! change stream could say when to forget, but the embedded store decodes
//! every write of the database for every open stream, which cost it more
//! than the reads saved; so, as Postfix's proxymap and address verification
//! caches do, an answer is trusted for [`CACHE_TTL`] and changes made with
//! mismoctl reach every service within that time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::dkim::DkimKey;
use crate::model::{Alias, Domain, Mailbox, Vacation};
use crate::{Store, StoreResult};

/// How long an answer read from the store is reused.
pub const CACHE_TTL: Duration = Duration::from_secs(5);
/// Entries kept before a cache starts over (a bound on memory, not a tuning).
const MAX_ENTRIES: usize = 50_000;

/// Answers by key, each kept for [`CACHE_TTL`].
pub struct TtlCache<V> {
    entries: Mutex<HashMap<String, (Instant, V)>>,
}

impl<V: Clone> Default for TtlCache<V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> TtlCache<V> {
    fn get(&self, key: &str) -> Option<V> {
        let entries = self.entries.lock().expect("cache");
        let (at, value) = entries.get(key)?;
        (at.elapsed() < CACHE_TTL).then(|| value.clone())
    }

    fn put(&self, key: &str, value: V) {
        let mut entries = self.entries.lock().expect("cache");
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key.to_string(), (Instant::now(), value));
    }

    /// The cached answer, or the store's, remembered.
    pub async fn get_or_read(
        &self,
        key: &str,
        read: impl std::future::Future<Output = StoreResult<V>>,
    ) -> StoreResult<V> {
        if let Some(v) = self.get(key) {
            return Ok(v);
        }
        let value = read.await?;
        self.put(key, value.clone());
        Ok(value)
    }
}

/// Cached reads of the directory, shared by a whole service.
pub struct Directory {
    store: Store,
    domains: TtlCache<Option<Domain>>,
    mailboxes: TtlCache<Option<Mailbox>>,
    aliases: TtlCache<Option<Alias>>,
    dkim_keys: TtlCache<DkimKey>,
    /// Each mailbox's vacation reply, asked at every local delivery.
    vacations: TtlCache<Option<Vacation>>,
    /// Read once: the key never changes.
    srs: tokio::sync::OnceCell<crate::srs::Srs>,
}

impl Directory {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            domains: TtlCache::default(),
            mailboxes: TtlCache::default(),
            aliases: TtlCache::default(),
            dkim_keys: TtlCache::default(),
            vacations: TtlCache::default(),
            srs: tokio::sync::OnceCell::new(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The SRS rewriter with the cluster's key.
    pub async fn srs(&self) -> StoreResult<&crate::srs::Srs> {
        self.srs.get_or_try_init(|| self.store.srs()).await
    }

    pub async fn domain(&self, name: &str) -> StoreResult<Option<Domain>> {
        self.domains
            .get_or_read(name, self.store.get_domain(name))
            .await
    }

    pub async fn mailbox(&self, address: &str) -> StoreResult<Option<Mailbox>> {
        self.mailboxes
            .get_or_read(address, self.store.get_mailbox(address))
            .await
    }

    /// An alias by its source (`user@domain`, or `@domain` for a catch-all).
    pub async fn alias(&self, source: &str) -> StoreResult<Option<Alias>> {
        self.aliases
            .get_or_read(source, self.store.get_alias(source))
            .await
    }

    /// The mailbox's vacation reply, as set in webmail (on or off).
    pub async fn vacation(&self, address: &str) -> StoreResult<Option<Vacation>> {
        let read = async { Ok(self.store.get_profile(address).await?.vacation) };
        self.vacations.get_or_read(address, read).await
    }

    /// The domain's signing key, generated and stored on first use.
    pub async fn dkim_key(&self, domain: &str) -> StoreResult<DkimKey> {
        self.dkim_keys
            .get_or_read(domain, self.store.dkim_key(domain))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_and_replaced() {
        let c: TtlCache<u32> = TtlCache::default();
        assert_eq!(c.get("a"), None);
        c.put("a", 1);
        assert_eq!(c.get("a"), Some(1));
        c.put("a", 2);
        assert_eq!(c.get("a"), Some(2));
        assert_eq!(c.get("b"), None);
    }
}
