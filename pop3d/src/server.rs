//! What every connection of one pop3d shares, and how the server skeleton
//! hands it a client.

use std::sync::Arc;

use mismo_core::auth::Failures;
use mismo_core::config::Pop3Settings;
use mismo_core::server::{Client, Protocol};
use mismo_core::Store;
use tokio_rustls::TlsAcceptor;

use crate::connection::Connection;

pub struct Server {
    pub settings: Pop3Settings,
    pub store: Store,
    pub tls: Option<TlsAcceptor>,
    pub auth_failures: Failures,
}

/// pop3d's two ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// POP3 with STLS.
    Pop3,
    /// POP3 over implicit TLS.
    Pop3s,
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pop3 => "pop3",
            Self::Pop3s => "pop3s",
        })
    }
}

impl Protocol for Server {
    type Kind = Port;

    async fn session(self: Arc<Self>, client: Client<Port>) {
        Connection::new(self, client.stream, client.peer, client.implicit_tls)
            .run()
            .await;
    }
}
