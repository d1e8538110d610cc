//! Whether logged-in IMAP and POP3 sessions may go on: each ends once its
//! mailbox's password changes (a reset), the mailbox or its domain is
//! disabled, or the mailbox is removed (and perhaps made again under the
//! same name, which its creation time tells apart).
//!
//! One watch per process reads the mailboxes of all its sessions, and
//! their domains, every `every`: two reads however many sessions there
//! are, so an idle session costs the store nothing of its own.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::watch;

use crate::model::{Activation, Mailbox};
use crate::{Store, StoreResult};

/// What a session opened with, and what must stay the same.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Credentials {
    password_hash: String,
    created_at: i64,
}

impl Credentials {
    fn of(mailbox: &Mailbox) -> Self {
        Self {
            password_hash: mailbox.password_hash.clone(),
            created_at: mailbox.created_at,
        }
    }
}

struct Watched {
    sessions: usize,
    /// Counts the sessions opened: a look whose read began before one
    /// opened says nothing about it.
    opened: u64,
    /// As the last look found it: `None` before the first, `Some(None)`
    /// when the mailbox may no longer be used.
    now: Option<Option<Credentials>>,
}

pub struct MailboxWatch {
    store: Store,
    mailboxes: Mutex<HashMap<String, Watched>>,
    /// Counts the looks finished, for whoever must wait for the next.
    looks: watch::Sender<u64>,
}

impl MailboxWatch {
    /// Starts the watch, looking every `every` while any session is open;
    /// it stops with the last handle to it.
    pub fn start(store: Store, every: Duration) -> Arc<Self> {
        let watch = Arc::new(Self {
            store,
            mailboxes: Mutex::default(),
            looks: watch::Sender::new(0),
        });
        let weak = Arc::downgrade(&watch);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
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

    /// The check of a session that has just opened `mailbox`.
    pub fn check(self: &Arc<Self>, mailbox: &Mailbox) -> SessionCheck {
        let opened = Credentials::of(mailbox);
        let mut mailboxes = self.mailboxes.lock().expect("mailbox watch");
        let watched = mailboxes.entry(mailbox.address.clone()).or_insert(Watched {
            sessions: 0,
            opened: 0,
            now: None,
        });
        watched.sessions += 1;
        watched.opened += 1;
        // Opened with what the last look did not see (a password changed
        // since): nothing is known until the next look.
        if watched
            .now
            .as_ref()
            .is_some_and(|now| now.as_ref() != Some(&opened))
        {
            watched.now = None;
        }
        SessionCheck {
            watch: Arc::clone(self),
            address: mailbox.address.clone(),
            opened,
        }
    }

    /// Returns once a look that began after the call has finished: a change
    /// made before it has then been seen.
    pub async fn looked(&self) {
        let mut looks = self.looks.subscribe();
        // The look under way may have begun before; the one after it not.
        for _ in 0..2 {
            if looks.changed().await.is_err() {
                return;
            }
        }
    }

    /// One read of the sessions' mailboxes and one of their domains. A
    /// store that does not answer ends nothing.
    async fn look(&self) {
        let (addresses, opened): (Vec<String>, Vec<u64>) = {
            let mut mailboxes = self.mailboxes.lock().expect("mailbox watch");
            mailboxes.retain(|_, w| w.sessions > 0);
            mailboxes
                .iter()
                .map(|(address, w)| (address.clone(), w.opened))
                .unzip()
        };
        if addresses.is_empty() {
            return;
        }
        let usable = match usable_mailboxes(&self.store, &addresses).await {
            Ok(usable) => usable,
            Err(e) => {
                tracing::warn!("store: {e}");
                return;
            }
        };
        let mut mailboxes = self.mailboxes.lock().expect("mailbox watch");
        // Only what was read, and only where no session opened meanwhile
        // (perhaps with a password newer than the read): those wait for
        // the next look.
        for (address, opened) in addresses.iter().zip(opened) {
            if let Some(watched) = mailboxes.get_mut(address) {
                if watched.opened == opened {
                    watched.now = Some(usable.get(address).cloned());
                }
            }
        }
    }
}

/// The mailboxes among `addresses` that exist and may be used (they and
/// their domains enabled), by address.
async fn usable_mailboxes(
    store: &Store,
    addresses: &[String],
) -> StoreResult<HashMap<String, Credentials>> {
    let mailboxes = store.get_mailboxes(addresses).await?;
    let domains: Vec<String> = mailboxes
        .iter()
        .map(|m| m.domain.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let enabled: HashSet<String> = store
        .get_domains(&domains)
        .await?
        .into_iter()
        .filter(|d| d.state == Activation::Enabled)
        .map(|d| d.name)
        .collect();
    Ok(mailboxes
        .iter()
        .filter(|m| m.state == Activation::Enabled && enabled.contains(&m.domain))
        .map(|m| (m.address.clone(), Credentials::of(m)))
        .collect())
}

/// What a logged-in session keeps to learn that it should end.
pub struct SessionCheck {
    watch: Arc<MailboxWatch>,
    address: String,
    opened: Credentials,
}

impl SessionCheck {
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Whether the session may go on, as the process's last look found its
    /// mailbox; asks the store nothing.
    pub fn still_valid(&self) -> bool {
        let mailboxes = self.watch.mailboxes.lock().expect("mailbox watch");
        match mailboxes.get(&self.address).and_then(|w| w.now.as_ref()) {
            None => true,
            Some(now) => now.as_ref() == Some(&self.opened),
        }
    }
}

impl Drop for SessionCheck {
    fn drop(&mut self) {
        let mut mailboxes = self.watch.mailboxes.lock().expect("mailbox watch");
        if let Some(watched) = mailboxes.get_mut(&self.address) {
            watched.sessions = watched.sessions.saturating_sub(1);
        }
    }
}
