//! The directory (domains, mailboxes, aliases, DKIM keys) as a delivery reads
//! it over and over: kept in memory for exactly as long as a change stream on
//! its collection says nothing changed.
//!
//! Every message a qprocessor delivers asks the same few questions (is this
//! domain hosted, is this address a mailbox or an alias, which key signs for
//! this domain), and the answers change only when an operator changes them.
//! Asking the store each time costs several round trips per message. A time
//! limit alone would let a disabled mailbox keep receiving for that long, so
//! the cache is emptied by the store's own change events instead, and is not
//! used at all while no change stream is open (a server without them, or a
//! stream that broke and is being reopened).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;

use crate::dkim::DkimKey;
use crate::model::{Alias, Domain, Mailbox};
use crate::store::names::{ALIASES, DKIM_KEYS, DOMAINS, MAILBOXES, MESSAGES};
use crate::{Store, StoreResult};

/// How long to wait before opening a refused or broken change stream again.
const REOPEN: Duration = Duration::from_secs(5);
/// The collections whose changes empty a cache.
const WATCHED: [&str; 4] = [DOMAINS, MAILBOXES, ALIASES, DKIM_KEYS];
/// Entries kept before a cache starts over (a bound on memory, not a tuning).
const MAX_ENTRIES: usize = 50_000;

/// Cached reads of the directory, shared by a whole service (clone freely).
#[derive(Clone)]
pub struct Directory {
    store: Store,
    caches: Arc<Caches>,
}

#[derive(Default)]
struct Caches {
    domains: Watched<Option<Domain>>,
    mailboxes: Watched<Option<Mailbox>>,
    aliases: Watched<Option<Alias>>,
    dkim_keys: Watched<DkimKey>,
}

impl Caches {
    /// The cache a collection's change empties.
    fn changed(&self, collection: &str) {
        match collection {
            DOMAINS => self.domains.changed(),
            MAILBOXES => self.mailboxes.changed(),
            ALIASES => self.aliases.changed(),
            DKIM_KEYS => self.dkim_keys.changed(),
            _ => {}
        }
    }

    fn set_live(&self, live: bool) {
        self.domains.set_live(live);
        self.mailboxes.set_live(live);
        self.aliases.set_live(live);
        self.dkim_keys.set_live(live);
    }
}

impl Directory {
    /// Starts the change stream; until it is open, reads go to the store.
    /// With `new_mail`, the same stream also signals it once per newly
    /// queued message (the qprocessors' wake-up), so a service keeps one
    /// stream open, not two.
    pub fn new(store: Store, new_mail: Option<Arc<Notify>>) -> Self {
        let dir = Self {
            store,
            caches: Arc::new(Caches::default()),
        };
        watch(&dir.store, &dir.caches, new_mail);
        dir
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether every collection's change stream is open, so reads are served
    /// from memory. (Tests wait for this before they count store reads.)
    pub fn is_live(&self) -> bool {
        self.caches.domains.is_live()
    }

    pub async fn domain(&self, name: &str) -> StoreResult<Option<Domain>> {
        read(&self.caches.domains, name, self.store.get_domain(name)).await
    }

    pub async fn mailbox(&self, address: &str) -> StoreResult<Option<Mailbox>> {
        read(
            &self.caches.mailboxes,
            address,
            self.store.get_mailbox(address),
        )
        .await
    }

    /// An alias by its source (`user@domain`, or `@domain` for a catch-all).
    pub async fn alias(&self, source: &str) -> StoreResult<Option<Alias>> {
        read(&self.caches.aliases, source, self.store.get_alias(source)).await
    }

    /// The domain's signing key, generated and stored on first use.
    pub async fn dkim_key(&self, domain: &str) -> StoreResult<DkimKey> {
        read(&self.caches.dkim_keys, domain, self.store.dkim_key(domain)).await
    }
}

/// A cached answer, or the store's, remembered unless something changed
/// while it was being read.
async fn read<V: Clone>(
    cache: &Watched<V>,
    key: &str,
    from_store: impl std::future::Future<Output = StoreResult<V>>,
) -> StoreResult<V> {
    if let Some(v) = cache.get(key) {
        return Ok(v);
    }
    let generation = cache.generation();
    let value = from_store.await?;
    cache.put(key, value.clone(), generation);
    Ok(value)
}

/// One collection's answers, and whether its change stream is open.
struct Watched<V> {
    live: AtomicBool,
    /// Bumped by every change event: a read that started before a change
    /// must not store what it read after the change emptied the cache.
    generation: AtomicU64,
    entries: Mutex<HashMap<String, V>>,
}

impl<V> Default for Watched<V> {
    fn default() -> Self {
        Self {
            live: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Watched<V> {
    fn is_live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn get(&self, key: &str) -> Option<V> {
        if !self.is_live() {
            return None;
        }
        self.entries
            .lock()
            .expect("directory cache")
            .get(key)
            .cloned()
    }

    fn put(&self, key: &str, value: V, read_at: u64) {
        let mut entries = self.entries.lock().expect("directory cache");
        // Checked under the lock that `changed` takes, so no change can slip
        // between the check and the insert.
        if !self.is_live() || self.generation() != read_at {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key.to_string(), value);
    }

    /// Something in the collection changed: forget everything.
    fn changed(&self) {
        let mut entries = self.entries.lock().expect("directory cache");
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    fn set_live(&self, live: bool) {
        self.changed();
        self.live.store(live, Ordering::SeqCst);
    }
}

/// Keeps the change stream open for as long as the directory lives, and
/// reopens it when it breaks (reads bypass the caches meanwhile).
fn watch(store: &Store, caches: &Arc<Caches>, new_mail: Option<Arc<Notify>>) {
    let store = store.clone();
    let caches: Weak<Caches> = Arc::downgrade(caches);
    tokio::spawn(async move {
        let mut said_unavailable = false;
        loop {
            match store.watch_changes(&WATCHED, new_mail.is_some()).await {
                Ok(mut stream) => {
                    let Some(c) = caches.upgrade() else { return };
                    c.set_live(true);
                    drop(c);
                    if new_mail.is_some() {
                        tracing::info!("new mail wakes workers through a change stream");
                    }
                    said_unavailable = false;
                    while let Some(event) = stream.next().await {
                        let Some(c) = caches.upgrade() else { return };
                        match event {
                            Ok(event) => {
                                let collection =
                                    event.ns.as_ref().and_then(|ns| ns.coll.as_deref());
                                match (collection, &new_mail) {
                                    (Some(MESSAGES), Some(wake)) => wake.notify_one(),
                                    (Some(coll), _) => c.changed(coll),
                                    // An event without a namespace (the
                                    // database dropped): trust nothing.
                                    (None, _) => {
                                        c.set_live(true);
                                        if let Some(wake) = &new_mail {
                                            wake.notify_one();
                                        }
                                    }
                                }
                            }
                            Err(e) => {
                                tracing::warn!(
                                    "change stream ended: {e}; reading without a cache meanwhile"
                                );
                                break;
                            }
                        }
                    }
                    match caches.upgrade() {
                        Some(c) => c.set_live(false),
                        None => return,
                    }
                }
                Err(e) if !said_unavailable => {
                    said_unavailable = true;
                    tracing::info!("no change stream ({e}); reading the directory without a cache, polling for new mail");
                }
                Err(_) => {}
            }
            if caches.strong_count() == 0 {
                return;
            }
            tokio::time::sleep(REOPEN).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_cached_while_the_stream_is_closed() {
        let w: Watched<u32> = Watched::default();
        w.put("a", 1, w.generation());
        assert_eq!(w.get("a"), None);
        w.set_live(true);
        w.put("a", 1, w.generation());
        assert_eq!(w.get("a"), Some(1));
        w.set_live(false);
        assert_eq!(w.get("a"), None);
    }

    #[test]
    fn a_change_during_a_read_keeps_the_read_out_of_the_cache() {
        let w: Watched<u32> = Watched::default();
        w.set_live(true);
        let before = w.generation();
        w.changed();
        w.put("a", 1, before);
        assert_eq!(w.get("a"), None);
        w.put("a", 2, w.generation());
        assert_eq!(w.get("a"), Some(2));
        w.changed();
        assert_eq!(w.get("a"), None);
    }
}
