//! Counters for /status/detail and /metrics.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Stats {
    pub accepted: AtomicU64,
    pub rejected: AtomicU64,
    pub connections_refused: AtomicU64,
}

impl Stats {
    pub fn message_accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("smtp_messages_accepted_total").increment(1);
    }

    /// A MAIL, RCPT or message refused.
    pub fn rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("smtp_rejections_total").increment(1);
    }

    pub fn connection_refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("smtp_connections_refused_total").increment(1);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
