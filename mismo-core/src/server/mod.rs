//! The server skeleton every protocol service runs on: listening endpoints,
//! accepting with connection limits, the implicit-TLS handshake, the drain on
//! a stop signal. A service supplies a [`Protocol`], which runs one session
//! over an established stream; everything before and after is here.
//!
//! Shared with it: bounded line reading and STARTTLS in [`crate::net`], login
//! throttling in [`crate::auth::Failures`], and [`ErrorBudget`] for clients
//! that send nothing but bad commands.

mod accept;
pub mod descriptors;
pub mod errors;
pub mod limits;
pub mod proxy_protocol;
pub mod two_ports;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::task::TaskTracker;

use crate::net::Io;
pub use errors::ErrorBudget;
pub use limits::{Limits, Slot};
pub use two_ports::{PortName, PortSetting, TwoPorts};

/// How long a client may take over a TLS handshake, implicit or after
/// STARTTLS: a stalled one otherwise holds its slot forever.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// One listening socket and what kind of port it is.
pub struct Endpoint<K> {
    pub socket: TcpListener,
    /// Which port this is, as the protocol tells them apart (MX or
    /// submission, say); also named in the logs.
    pub kind: K,
    /// The session starts with a TLS handshake (ports 465, 993, 995).
    pub implicit_tls: bool,
}

/// One accepted client, TLS established where the port requires it.
pub struct Client<K> {
    pub stream: Box<dyn Io>,
    pub peer: SocketAddr,
    pub kind: K,
    pub implicit_tls: bool,
    /// The connection-limit slot, when limits apply; freed when dropped.
    pub slot: Option<Slot>,
}

/// A protocol served on the skeleton.
pub trait Protocol: Send + Sync + 'static {
    /// Tells one port from another; logged by its `Display`.
    type Kind: Copy + Send + Sync + std::fmt::Display + 'static;

    /// Runs one client's session to its end.
    fn session(self: Arc<Self>, client: Client<Self::Kind>) -> impl Future<Output = ()> + Send;

    /// Called once when a stop signal arrives, before the listeners close
    /// (smtp-engine tells its load balancer it is draining).
    fn stopping(&self) {}

    /// Called for each client turned away by a connection limit.
    fn refused(&self, _kind: Self::Kind) {}
}

/// What the skeleton needs besides the protocol.
pub struct Options {
    pub tls: Option<TlsAcceptor>,
    pub limits: Option<Arc<Limits>>,
    /// The line a client turned away gets before the close: over a
    /// connection limit, or when the process has no descriptor left.
    pub over_limit: String,
    /// After a stop signal, how long open sessions may take to finish.
    pub drain: Duration,
    /// Load balancers whose connections start with a PROXY protocol header
    /// naming the real client ([`proxy_protocol`]); empty: none.
    pub proxies: Vec<std::net::IpAddr>,
}

/// Serves every endpoint until a stop signal, then drains: no new clients,
/// open sessions get `drain` to finish. Logs `serving` once every endpoint
/// accepts, which operators and tests wait for.
pub async fn run<P: Protocol>(
    protocol: Arc<P>,
    endpoints: Vec<Endpoint<P::Kind>>,
    options: Options,
) {
    let options = Arc::new(options);
    let sessions = TaskTracker::new();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut loops = Vec::new();
    for endpoint in endpoints {
        tracing::info!(
            "{} listening on {}{}",
            endpoint.kind,
            endpoint
                .socket
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            if endpoint.implicit_tls {
                " (implicit TLS)"
            } else {
                ""
            }
        );
        loops.push(tokio::spawn(accept::serve(
            Arc::clone(&protocol),
            endpoint,
            Arc::clone(&options),
            sessions.clone(),
            stop_rx.clone(),
        )));
    }
    tracing::info!("serving");
    crate::shutdown::signal().await;
    protocol.stopping();
    let _ = stop_tx.send(true);
    for l in loops {
        let _ = l.await;
    }
    sessions.close();
    let open = sessions.len();
    if open > 0 {
        tracing::info!("draining: waiting for {open} session(s)");
    }
    if tokio::time::timeout(options.drain, sessions.wait())
        .await
        .is_err()
    {
        tracing::warn!("drain timeout: closing {} session(s)", sessions.len());
    }
    tracing::info!("stopped");
}
