//! What every connection of one imapd shares, and how the server skeleton
//! hands it a client.

use std::sync::Arc;

use mismo_core::config::ImapSettings;
use mismo_core::server::{Client, PortName, Protocol};
use mismo_core::session_check::MailboxWatch;
use mismo_core::Store;
use tokio_rustls::TlsAcceptor;

use crate::connection::Connection;
use crate::header_cache::HeaderCache;
use crate::watch::FolderWatch;

pub struct Server {
    pub settings: ImapSettings,
    pub store: Store,
    /// The folders this process's sessions have selected, watched for them.
    pub folders: Arc<FolderWatch>,
    pub tls: Option<TlsAcceptor>,
    pub headers: HeaderCache,
    /// The largest message APPEND takes.
    pub max_message_size: usize,
    /// How long a session that has not logged in may wait between commands.
    pub login_timeout: std::time::Duration,
    /// The mailboxes this process's sessions have open, watched for a
    /// password reset, a disabled or removed mailbox, which end them.
    pub mailboxes: Arc<MailboxWatch>,
}

impl Protocol for Server {
    type Kind = PortName;

    async fn session(self: Arc<Self>, client: Client<PortName>) {
        Connection::new(self, client.stream, client.peer, client.implicit_tls)
            .run()
            .await;
    }
}
