//! One watch per imapd over the folders its sessions have selected: every
//! tick, one read of those folders' mod-sequences, however many sessions
//! and messages there are. A session is woken only when its folder
//! changed, and only then reads what changed; an idle session with
//! nothing new asks the store nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use mismo_core::Store;
use tokio::sync::watch;

/// A selected folder's mod-sequence as the watch last read it; changed
/// when the folder changes (and once more a tick later, for a write that
/// landed just after the number it took).
pub type Watching = watch::Receiver<i64>;

pub struct FolderWatch {
    store: Store,
    folders: Mutex<HashMap<String, Watched>>,
    /// Counts the looks finished, for whoever must wait for the next.
    looks: watch::Sender<u64>,
}

struct Watched {
    modseq: Option<i64>,
    /// Changed at the last tick: tell once more at the next.
    settling: bool,
    tell: watch::Sender<i64>,
}

impl FolderWatch {
    /// Starts the watch, reading every `tick` while any folder is watched;
    /// it stops with the last handle to it.
    pub fn start(store: Store, tick: Duration) -> Arc<Self> {
        let watch = Arc::new(Self {
            store,
            folders: Mutex::default(),
            looks: watch::Sender::new(0),
        });
        let weak = Arc::downgrade(&watch);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(tick);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(watch) = Weak::upgrade(&weak) else {
                    return;
                };
                watch.look().await;
                watch.looks.send_modify(|n| *n += 1);
            }
        });
        watch
    }

    /// Watches folder `id` for a session, from mod-sequence `modseq`.
    pub fn watch(&self, id: &str, modseq: i64) -> Watching {
        let mut folders = self.folders.lock().expect("folder watch");
        let watched = folders.entry(id.to_string()).or_insert_with(|| Watched {
            modseq: Some(modseq),
            settling: false,
            tell: watch::Sender::new(modseq),
        });
        watched.tell.subscribe()
    }

    /// Returns once a look that began after the call has finished: what
    /// anyone changed before it has then been told.
    #[cfg(test)]
    pub async fn looked(&self) {
        let mut looks = self.looks.subscribe();
        // The look under way may have begun before; the one after it not.
        for _ in 0..2 {
            looks.changed().await.expect("the watch runs");
        }
    }

    /// How many looks have finished.
    #[cfg(test)]
    pub fn looks(&self) -> u64 {
        *self.looks.borrow()
    }

    /// The folders some session watches, forgetting those none does.
    fn watched(&self) -> Vec<String> {
        let mut folders = self.folders.lock().expect("folder watch");
        folders.retain(|_, w| w.tell.receiver_count() > 0);
        folders.keys().cloned().collect()
    }

    /// One read of every watched folder's mod-sequence; wakes the sessions
    /// of each that changed.
    async fn look(&self) {
        let ids = self.watched();
        if ids.is_empty() {
            return;
        }
        let now = match self.store.folder_modseqs(&ids).await {
            Ok(now) => now,
            Err(e) => {
                tracing::warn!("store: {e}");
                return;
            }
        };
        let now: HashMap<String, i64> = now.into_iter().collect();
        let mut folders = self.folders.lock().expect("folder watch");
        for (id, watched) in folders.iter_mut() {
            // A folder gone (deleted) is a change too: its sessions find out.
            let modseq = now.get(id).copied();
            let changed = modseq != watched.modseq;
            if changed || watched.settling {
                watched.modseq = modseq;
                watched.tell.send_replace(modseq.unwrap_or(-1));
            }
            watched.settling = changed;
        }
    }
}
