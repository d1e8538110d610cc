//! Whether logged-in IMAP and POP3 sessions may go on: each ends once its
//! mailbox's password changes (a reset), the mailbox or its domain is
//! disabled, or the mailbox is removed (and perhaps made again under the
//! same name, which its creation time tells apart).
//!
//! One watch per process reads the mailboxes of all its sessions, and
//! their domains, every `every`: two reads however many sessions there
//! are, so an idle session costs the store nothing of its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::model::Mailbox;
use crate::periodic::{self, Look, Looks};
use crate::Store;

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
    /// What each open session opened with (one entry a session).
    sessions: Vec<Credentials>,
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
    looks: Looks,
    /// Counts the looks that found a session whose mailbox changed, so a
    /// session that waits (IMAP IDLE) need not ask until one did.
    changed: tokio::sync::watch::Sender<u64>,
}

impl MailboxWatch {
    /// Starts the watch, looking every `every` while any session is open;
    /// it stops with the last handle to it.
    pub fn start(store: Store, every: Duration) -> Arc<Self> {
        let watch = Arc::new(Self {
            store,
            mailboxes: Mutex::default(),
            looks: Looks::default(),
            changed: tokio::sync::watch::Sender::new(0),
        });
        periodic::repeat(&watch, every);
        watch
    }

    /// The check of a session that has just opened `mailbox`.
    pub fn check(self: &Arc<Self>, mailbox: &Mailbox) -> SessionCheck {
        let opened = Credentials::of(mailbox);
        let mut mailboxes = self.mailboxes.lock().expect("mailbox watch");
        let watched = mailboxes.entry(mailbox.address.clone()).or_insert(Watched {
            sessions: Vec::new(),
            opened: 0,
            now: None,
        });
        watched.sessions.push(opened.clone());
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

    /// Returns once a look that began after the call has finished.
    pub async fn looked(&self) {
        self.looks.looked().await;
    }
}

impl Look for MailboxWatch {
    fn looks(&self) -> &Looks {
        &self.looks
    }

    /// One read of the sessions' mailboxes and one of their domains. A
    /// store that does not answer ends nothing.
    async fn look(&self) {
        let (addresses, opened): (Vec<String>, Vec<u64>) = {
            let mut mailboxes = self.mailboxes.lock().expect("mailbox watch");
            mailboxes.retain(|_, w| !w.sessions.is_empty());
            mailboxes
                .iter()
                .map(|(address, w)| (address.clone(), w.opened))
                .unzip()
        };
        if addresses.is_empty() {
            return;
        }
        let usable: HashMap<String, Credentials> =
            match crate::auth::usable_mailboxes(&self.store, &addresses).await {
                Ok(usable) => usable
                    .iter()
                    .map(|m| (m.address.clone(), Credentials::of(m)))
                    .collect(),
                Err(e) => {
                    tracing::warn!("store: {e}");
                    return;
                }
            };
        let mut any_changed = false;
        let mut mailboxes = self.mailboxes.lock().expect("mailbox watch");
        // Only what was read, and only where no session opened meanwhile
        // (perhaps with a password newer than the read): those wait for
        // the next look.
        for (address, opened) in addresses.iter().zip(opened) {
            if let Some(watched) = mailboxes.get_mut(address) {
                if watched.opened == opened {
                    let now = usable.get(address).cloned();
                    // Some session must end: wake those that wait.
                    if watched.sessions.iter().any(|s| now.as_ref() != Some(s)) {
                        any_changed = true;
                    }
                    watched.now = Some(now);
                }
            }
        }
        if any_changed {
            self.changed.send_modify(|n| *n += 1);
        }
    }
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

    /// Changed whenever a look finds some mailbox of the process changed:
    /// then [`SessionCheck::still_valid`] may have become false.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.watch.changed.subscribe()
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
            if let Some(i) = watched.sessions.iter().position(|s| *s == self.opened) {
                watched.sessions.swap_remove(i);
            }
        }
    }
}
