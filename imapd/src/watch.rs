//! One watch per imapd over the folders its sessions have selected: every
//! tick, one read of those folders' mod-sequences, however many sessions
//! and messages there are. A session is woken only when its folder
//! changed, and only then reads what changed; an idle session with
//! nothing new asks the store nothing. Sessions of one folder that knew the
//! same when woken share one read of what changed (a hundred mail
//! programs on one mailbox cost one read, not a hundred).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mismo_core::model::Uid;
use mismo_core::periodic::{self, Look, Looks};
use mismo_core::store::FolderChanges;
use mismo_core::{Store, StoreResult};
use tokio::sync::{watch, OnceCell};

/// A selected folder's mod-sequence as the watch last read it; changed
/// when the folder changes (and once more a tick later, for a write that
/// landed just after the number it took).
pub type Watching = watch::Receiver<i64>;

pub struct FolderWatch {
    store: Store,
    folders: Mutex<HashMap<String, Watched>>,
    looks: Looks,
}

struct Watched {
    modseq: Option<i64>,
    /// Changed at the last tick: tell once more at the next.
    settling: bool,
    tell: watch::Sender<i64>,
    /// Reads of what changed since the last time sessions were woken, by
    /// what the asking session knew (its largest UID and mod-sequence).
    shared: HashMap<(Uid, i64), SharedRead>,
}

type SharedRead = Arc<OnceCell<Arc<FolderChanges>>>;

impl FolderWatch {
    /// Starts the watch, reading every `tick` while any folder is watched;
    /// it stops with the last handle to it.
    pub fn start(store: Store, tick: Duration) -> Arc<Self> {
        let watch = Arc::new(Self {
            store,
            folders: Mutex::default(),
            looks: Looks::default(),
        });
        periodic::repeat(&watch, tick);
        watch
    }

    /// Watches folder `id` for a session, from mod-sequence `modseq`.
    pub fn watch(&self, id: &str, modseq: i64) -> Watching {
        let mut folders = self.folders.lock().expect("folder watch");
        let watched = folders.entry(id.to_string()).or_insert_with(|| Watched {
            modseq: Some(modseq),
            settling: false,
            tell: watch::Sender::new(modseq),
            shared: HashMap::new(),
        });
        let mut watching = watched.tell.subscribe();
        // The folder changed between the session's read and now (a look
        // already told its other sessions): the session reads at once.
        if watched.modseq != Some(modseq) {
            watching.mark_changed();
        }
        watching
    }

    /// What changed in `folder` since `known_uid` and `known_modseq`, for a
    /// session the watch woke: read once for all sessions that knew the
    /// same, until the folder changes again.
    pub async fn changes(
        &self,
        mailbox: &str,
        folder: &str,
        known_uid: Uid,
        known_modseq: i64,
    ) -> StoreResult<Arc<FolderChanges>> {
        let read = || async {
            self.store
                .folder_changes(mailbox, folder, known_uid, known_modseq)
                .await
                .map(Arc::new)
        };
        let shared = {
            let mut folders = self.folders.lock().expect("folder watch");
            folders
                .get_mut(folder)
                .map(|w| Arc::clone(w.shared.entry((known_uid, known_modseq)).or_default()))
        };
        match shared {
            Some(cell) => cell.get_or_try_init(read).await.cloned(),
            None => read().await,
        }
    }

    /// Returns once a look that began after the call has finished: what
    /// anyone changed before it has then been told.
    #[cfg(test)]
    pub async fn looked(&self) {
        self.looks.looked().await;
    }

    /// How many looks have finished.
    #[cfg(test)]
    pub fn looks_done(&self) -> u64 {
        self.looks.count()
    }

    /// The folders some session watches, forgetting those none does.
    fn watched(&self) -> Vec<String> {
        let mut folders = self.folders.lock().expect("folder watch");
        folders.retain(|_, w| w.tell.receiver_count() > 0);
        folders.keys().cloned().collect()
    }
}

impl Look for FolderWatch {
    fn looks(&self) -> &Looks {
        &self.looks
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
                watched.shared.clear();
                watched.tell.send_replace(modseq.unwrap_or(-1));
            }
            watched.settling = changed;
        }
    }
}
