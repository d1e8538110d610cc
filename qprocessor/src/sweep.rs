//! The hourly sweep of orphaned message bytes (see `Store::sweep_orphan_blobs`
//! for why it is safe while deliveries run). Every qprocessor sweeps; two
//! sweeping at once only do the same work twice.

use std::time::Duration;

use mismo_core::model::now_ms;
use mismo_core::Store;

/// How often, and also how old bytes must be before they are looked at and
/// how long a mark must stand before the bytes go.
const EVERY: Duration = Duration::from_secs(3600);

/// Runs the sweep every hour, the first an hour after start, until the
/// process ends.
pub fn start(store: Store) {
    tokio::spawn(async move {
        let every = i64::try_from(EVERY.as_millis()).unwrap_or(i64::MAX);
        loop {
            tokio::time::sleep(EVERY).await;
            let now = now_ms();
            match store.sweep_orphan_blobs(now - every, now, every).await {
                Ok(s) if s.removed > 0 || s.marked > 0 => tracing::info!(
                    examined = s.examined,
                    marked = s.marked,
                    removed = s.removed,
                    "orphaned message bytes swept"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!("sweep of orphaned message bytes: {e}"),
            }
        }
    });
}
