//! A POP3 login: password, maildrop lock, snapshot, and the lock kept alive
//! while the session lasts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mismo_core::auth::{Login, MAX_FAILURES};
use mismo_core::model::{new_id, now_ms, BlobRef};
use mismo_core::session_check::{MailboxWatch, SessionCheck};
use mismo_core::{Store, StoreResult};

use crate::session::{LoginError, Msg};

/// A held maildrop: released when dropped (and expiring by itself if this
/// process dies first).
pub struct Maildrop {
    pub mailbox: String,
    pub entries: Vec<mismo_core::model::MailboxEntry>,
    store: Store,
    holder: String,
    ttl_ms: i64,
    keeper: tokio::task::JoinHandle<()>,
    /// Set when another session took the lock (this one stalled past its
    /// TTL): the session must end before it deletes anything (RFC 1939 4).
    lost: Arc<AtomicBool>,
    /// Bytes of the messages after the last one read, fetched with it.
    ahead: HashMap<usize, BlobRef>,
    /// What notices that the mailbox changed under the session.
    check: SessionCheck,
}

/// Messages fetched together: a client that reads one message nearly always
/// reads the next (a POP3 download is RETR 1, RETR 2, ...), and one find for
/// several costs the store little more than one for one. At most this many
/// messages, and this many bytes beyond the one asked for, per session.
const READ_AHEAD: usize = 64;
const READ_AHEAD_BYTES: i64 = 1 << 20;

impl Maildrop {
    /// Checks the login, takes the lock and snapshots the messages.
    pub async fn open(
        store: &Store,
        mailboxes: &Arc<MailboxWatch>,
        ip: IpAddr,
        user: &str,
        password: &str,
        ttl: Duration,
    ) -> Result<Self, LoginError> {
        let login = match mismo_core::auth::login(store, ip, user, password).await {
            Ok(login) => login,
            Err(_) => return Err(LoginError::Temporary),
        };
        let (mailbox, check) = match login {
            Login::Opened(m) => (m.address.clone(), mailboxes.check(&m)),
            Login::Refused { failures } if failures < MAX_FAILURES => {
                tracing::info!(%ip, user, failures, "login failed");
                return Err(LoginError::BadCredentials);
            }
            Login::Refused { .. } | Login::Blocked => {
                tracing::info!(%ip, user, "login refused: too many failures");
                return Err(LoginError::Blocked);
            }
            Login::Busy => return Err(LoginError::Temporary),
        };
        let holder = new_id();
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        match store
            .acquire_maildrop(&mailbox, &holder, now_ms(), ttl_ms)
            .await
        {
            Ok(true) => {}
            Ok(false) => return Err(LoginError::InUse),
            Err(_) => return Err(LoginError::Temporary),
        }
        let inbox = mismo_core::model::Folder::inbox_id(&mailbox);
        let entries = match store.list_folder(&mailbox, &inbox).await {
            Ok(e) => e,
            Err(_) => {
                let _ = store.release_maildrop(&mailbox, &holder).await;
                return Err(LoginError::Temporary);
            }
        };
        let lost = Arc::new(AtomicBool::new(false));
        let keeper = tokio::spawn(keep_alive(
            Arc::new(store.clone()),
            mailbox.clone(),
            holder.clone(),
            ttl,
            lost.clone(),
        ));
        Ok(Self {
            mailbox,
            entries,
            store: store.clone(),
            holder,
            ttl_ms,
            keeper,
            lost,
            ahead: HashMap::new(),
            check,
        })
    }

    /// The bytes reference of snapshot message `index` (0-based), ready to
    /// read; `None` if it was removed meanwhile.
    pub async fn readable(&mut self, index: usize) -> StoreResult<Option<BlobRef>> {
        if let Some(blob) = self.ahead.remove(&index) {
            return Ok(Some(blob));
        }
        let Some(rest) = self.entries.get(index..) else {
            return Ok(None);
        };
        let mut bytes = 0;
        let count = rest
            .iter()
            .take(READ_AHEAD)
            .take_while(|e| {
                bytes += e.size;
                bytes <= READ_AHEAD_BYTES
            })
            .count()
            .max(1);
        let batch = &rest[..count.min(rest.len())];
        let found = self.store.readable_blobs(batch).await?;
        self.ahead.clear();
        let mut wanted = None;
        for (id, blob) in found {
            let Some(offset) = batch.iter().position(|e| e.id == id) else {
                continue;
            };
            if offset == 0 {
                wanted = Some(blob);
            } else {
                self.ahead.insert(index + offset, blob);
            }
        }
        Ok(wanted)
    }

    pub fn snapshot(&self) -> Vec<Msg> {
        self.entries
            .iter()
            .map(|e| Msg {
                uid: e.id.clone(),
                size: e.size,
                deleted: false,
            })
            .collect()
    }

    /// Whether the mailbox may still be used by this session (see
    /// [`SessionCheck`]).
    pub fn still_valid(&self) -> bool {
        self.check.still_valid()
    }

    /// Whether another session has taken the maildrop from this one.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// The UPDATE state: removes the messages marked deleted, if the lock is
    /// still this session's. Checked in the store just before, and renewed
    /// for a whole TTL by the same write, so no other session can have the
    /// maildrop while the deletion runs.
    pub async fn delete(&self, uids: &[String]) -> Result<(), ()> {
        if uids.is_empty() {
            return Ok(());
        }
        match self
            .store
            .refresh_maildrop(&self.mailbox, &self.holder, now_ms(), self.ttl_ms)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                self.lost.store(true, Ordering::Relaxed);
                tracing::warn!(mailbox = %self.mailbox, "maildrop lock lost: nothing deleted");
                return Err(());
            }
            Err(e) => {
                tracing::warn!(mailbox = %self.mailbox, "checking the lock: {e}; nothing deleted");
                return Err(());
            }
        }
        self.store
            .delete_entries(&self.mailbox, uids)
            .await
            .map(|_| ())
            .map_err(|e| {
                tracing::warn!(mailbox = %self.mailbox, "deleting: {e}");
            })
    }

    pub async fn release(self) {
        self.keeper.abort();
        if let Err(e) = self
            .store
            .release_maildrop(&self.mailbox, &self.holder)
            .await
        {
            tracing::warn!(mailbox = %self.mailbox, "releasing the lock: {e} (it expires by itself)");
        }
    }
}

/// Pushes the lock's expiry forward at a third of its lifetime.
async fn keep_alive(
    store: Arc<Store>,
    mailbox: String,
    holder: String,
    ttl: Duration,
    lost: Arc<AtomicBool>,
) {
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
    loop {
        tokio::time::sleep(ttl / 3).await;
        match store
            .refresh_maildrop(&mailbox, &holder, now_ms(), ttl_ms)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(%mailbox, "maildrop lock lost: the session ends at its next command");
                lost.store(true, Ordering::Relaxed);
                return;
            }
            Err(e) => tracing::warn!(%mailbox, "refreshing the lock: {e}"),
        }
    }
}
