//! What every connection of one engine shares, and how the server skeleton
//! hands it a client.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use mismo_core::config::SmtpSettings;
use mismo_core::server::{Client, Limits, Protocol};
use mismo_core::Store;
use tokio_rustls::TlsAcceptor;

use crate::connection::Connection;
use crate::policy::Policy;
use crate::session::{Listener, SessionConfig, MAX_RECIPIENTS};
use crate::stats::Stats;

pub struct Engine {
    pub settings: SmtpSettings,
    pub store: Store,
    pub policy: Policy,
    pub limits: Arc<Limits>,
    pub stats: Stats,
    pub tls: Option<TlsAcceptor>,
    /// Set on SIGTERM: /status answers 503 so the balancer sends no more.
    pub draining: AtomicBool,
    pub started: Instant,
}

impl Engine {
    /// What the sessions of one listener share.
    pub fn session_config(&self, listener: Listener) -> SessionConfig {
        SessionConfig {
            hostname: self.settings.node.hostname.clone(),
            listener,
            max_message_size: self.settings.max_message_size,
            max_recipients: MAX_RECIPIENTS,
            tls_available: self.tls.is_some(),
        }
    }
}

impl Protocol for Engine {
    type Kind = Listener;

    async fn session(self: Arc<Self>, client: Client<Listener>) {
        let cfg = Arc::new(self.session_config(client.kind));
        Connection::new(self, cfg, client).run().await;
    }

    fn stopping(&self) {
        // Drain: the balancer sees 503 while sessions finish.
        self.draining.store(true, Ordering::Relaxed);
    }

    fn refused(&self, _kind: Listener) {
        self.stats.connection_refused();
    }
}
