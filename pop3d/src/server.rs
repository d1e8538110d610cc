//! What every connection of one pop3d shares, and how the server skeleton
//! hands it a client.

use std::sync::Arc;

use mismo_core::config::Pop3Settings;
use mismo_core::server::{Client, PortName, Protocol};
use mismo_core::session_check::MailboxWatch;
use mismo_core::Store;
use tokio_rustls::TlsAcceptor;

use crate::connection::Connection;

pub struct Server {
    pub settings: Pop3Settings,
    pub store: Store,
    /// The mailboxes this process's sessions have open, watched for a
    /// password reset, a disabled or removed mailbox, which end them.
    pub mailboxes: Arc<MailboxWatch>,
    pub tls: Option<TlsAcceptor>,
    /// How long a session that has not logged in may wait between commands.
    pub login_timeout: std::time::Duration,
}

impl Protocol for Server {
    type Kind = PortName;

    async fn session(self: Arc<Self>, client: Client<PortName>) {
        Connection::new(self, client.stream, client.peer, client.implicit_tls)
            .run()
            .await;
    }
}
