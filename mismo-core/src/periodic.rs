//! A look at the store repeated every tick for as long as its owner lives:
//! how a process watches, for all its sessions at once, what they would
//! otherwise each poll (imapd's selected folders, the mailboxes of
//! imapd's and pop3d's sessions).

use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::watch;

/// Something looked at every tick.
pub trait Look: Send + Sync + 'static {
    fn look(&self) -> impl Future<Output = ()> + Send;
    /// The count of looks finished.
    fn looks(&self) -> &Looks;
}

/// Counts the looks finished, for whoever must wait for the next.
pub struct Looks(watch::Sender<u64>);

impl Default for Looks {
    fn default() -> Self {
        Self(watch::Sender::new(0))
    }
}

impl Looks {
    /// How many looks have finished.
    pub fn count(&self) -> u64 {
        *self.0.borrow()
    }

    /// Returns once a look that began after the call has finished: a change
    /// made before it has then been seen.
    pub async fn looked(&self) {
        let mut looks = self.0.subscribe();
        // The look under way may have begun before; the one after it not.
        for _ in 0..2 {
            if looks.changed().await.is_err() {
                return;
            }
        }
    }
}

/// Looks at `owner` every `every` until the last handle to it is dropped.
pub fn repeat<T: Look>(owner: &Arc<T>, every: Duration) {
    let weak: Weak<T> = Arc::downgrade(owner);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(owner) = weak.upgrade() else {
                return;
            };
            owner.look().await;
            owner.looks().0.send_modify(|n| *n += 1);
        }
    });
}
