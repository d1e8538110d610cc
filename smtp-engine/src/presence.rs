//! This engine's entry in the store's `nodes` collection: refreshed while
//! it runs so the admin console finds every engine and asks each one's
//! `/status`, and removed when it stops.

use std::net::SocketAddr;
use std::time::Duration;

use mismo_core::model::{now_ms, Node};
use mismo_core::Store;

/// How often the entry is refreshed.
pub const EVERY: Duration = Duration::from_secs(15);
/// How long an entry outlives its last refresh (a few missed ones).
const LIFETIME: Duration = Duration::from_secs(60);
const KIND: &str = "smtp-engine";

/// The running refresh; [`Presence::leave`] ends it.
pub struct Presence {
    id: String,
    store: Store,
    task: tokio::task::JoinHandle<()>,
}

/// Where `/status` answers for others: the address it is bound to, or the
/// host name when it listens on every address.
pub fn status_url(hostname: &str, bound: SocketAddr) -> String {
    if bound.ip().is_unspecified() {
        format!("http://{hostname}:{}/status", bound.port())
    } else {
        format!("http://{bound}/status")
    }
}

impl Presence {
    /// Writes the entry (so the engine is listed once it serves), then
    /// keeps it fresh.
    pub async fn start(store: Store, hostname: &str, status: SocketAddr) -> Self {
        let url = status_url(hostname, status);
        let hostname = hostname.to_string();
        let started_at = now_ms();
        let entry = move || Node::seen_now(KIND, &hostname, &url, started_at, LIFETIME);
        let id = entry().id;
        let task = {
            let store = store.clone();
            let mut tick = tokio::time::interval(EVERY);
            tick.tick().await; // the first tick is now
            if let Err(e) = store.heartbeat(&entry()).await {
                tracing::warn!("nodes entry not written: {e}");
            }
            tokio::spawn(async move {
                loop {
                    tick.tick().await;
                    if let Err(e) = store.heartbeat(&entry()).await {
                        tracing::warn!("nodes entry not refreshed: {e}");
                    }
                }
            })
        };
        Self { id, store, task }
    }

    /// Stops refreshing and removes the entry.
    pub async fn leave(self) {
        self.task.abort();
        if let Err(e) = self.store.remove_node(&self.id).await {
            tracing::warn!("nodes entry not removed (it expires by itself): {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_status_url_names_a_reachable_address() {
        let url = super::status_url("mx1.example.org", "0.0.0.0:3005".parse().unwrap());
        assert_eq!(url, "http://mx1.example.org:3005/status");
        let url = super::status_url("mx1.example.org", "127.0.0.2:3005".parse().unwrap());
        assert_eq!(url, "http://127.0.0.2:3005/status");
    }
}
