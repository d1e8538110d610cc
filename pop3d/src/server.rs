//! What every connection of one pop3d shares.

use mismo_core::auth::Failures;
use mismo_core::config::Pop3Settings;
use mismo_core::Store;
use tokio_rustls::TlsAcceptor;

pub struct Server {
    pub settings: Pop3Settings,
    pub store: Store,
    pub tls: Option<TlsAcceptor>,
    pub auth_failures: Failures,
}
