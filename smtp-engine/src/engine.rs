//! What every connection of one engine shares.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use mismo_core::config::SmtpSettings;
use mismo_core::Store;
use tokio_rustls::TlsAcceptor;

use crate::limits::Limits;
use crate::policy::Policy;
use crate::stats::Stats;

pub struct Engine {
    pub settings: SmtpSettings,
    pub store: Store,
    pub policy: Policy,
    pub limits: Arc<Limits>,
    pub auth_failures: mismo_core::auth::Failures,
    pub stats: Stats,
    pub tls: Option<TlsAcceptor>,
    /// Set on SIGTERM: /status answers 503 so the balancer sends no more.
    pub draining: AtomicBool,
    pub started: Instant,
}
