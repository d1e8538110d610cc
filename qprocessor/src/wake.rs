//! Waking idle workers when mail is queued.
//!
//! A change stream on the queue tells at once that a message arrived, so a
//! local delivery does not wait for the next probe. Polling stays as the
//! fallback: for servers without change streams, for a stream that broke, and
//! for messages that become due by time (retries, expired leases).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use mismo_core::Store;
use tokio::sync::Notify;

/// How long to wait before opening a broken or refused change stream again.
const REOPEN: Duration = Duration::from_secs(5);

/// Starts watching the queue; the returned `Notify` is signalled once per
/// queued message (a signal while nobody waits is kept for the next wait).
pub fn watch(store: Store) -> Arc<Notify> {
    let wake = Arc::new(Notify::new());
    let signal = Arc::clone(&wake);
    tokio::spawn(async move {
        let mut said_unavailable = false;
        loop {
            match store.watch_enqueued().await {
                Ok(mut stream) => {
                    tracing::info!("new mail wakes workers through a change stream");
                    said_unavailable = false;
                    while let Some(event) = stream.next().await {
                        match event {
                            Ok(_) => signal.notify_one(),
                            Err(e) => {
                                tracing::warn!("change stream ended: {e}; polling meanwhile");
                                break;
                            }
                        }
                    }
                }
                Err(e) if !said_unavailable => {
                    said_unavailable = true;
                    tracing::info!("no change stream ({e}); polling for new mail");
                }
                Err(_) => {}
            }
            tokio::time::sleep(REOPEN).await;
        }
    });
    wake
}
