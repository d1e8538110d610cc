//! The start-up pop3d and imapd share: a port in the clear (upgraded with
//! STLS or STARTTLS) and one with implicit TLS, bound at once; clients told
//! the service is unavailable while the store does not answer; then the
//! skeleton, serving both.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::TlsAcceptor;

use super::{Endpoint, Limits, Options, Protocol};
use crate::config::{NodeSettings, StoreSettings};
use crate::{service, starting, Store};

/// A port's name, as logged ("pop3s", "imap").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortName(pub &'static str);

impl std::fmt::Display for PortName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// One port: the setting that gives its address, the address, its name.
pub struct PortSetting {
    pub variable: &'static str,
    pub address: SocketAddr,
    pub name: &'static str,
}

pub struct TwoPorts {
    /// The service, as named in start-up failures.
    pub service: &'static str,
    /// Upgraded to TLS by a command.
    pub plain: PortSetting,
    /// TLS from the first byte.
    pub implicit: PortSetting,
    /// The line a client of the plain port hears while the store does not
    /// answer, or when no descriptor is left to serve it (implicit-TLS
    /// clients are closed: no handshake can be made before the service is
    /// ready to serve).
    pub unavailable: &'static str,
    /// After a stop signal, how long open sessions may take to finish.
    pub drain: Duration,
    /// Connections served at once, in all and from one address, across
    /// both ports; above either, a client hears `unavailable` and is
    /// closed.
    pub max_clients: u32,
    pub max_clients_per_host: u32,
}

/// Both ports bound and the store answering: what the service builds its
/// shared state from, then serves with.
pub struct Started {
    pub store: Store,
    pub tls: Option<TlsAcceptor>,
    endpoints: Vec<Endpoint<PortName>>,
    unavailable: &'static str,
    drain: Duration,
    limits: Arc<Limits>,
}

impl TwoPorts {
    /// Binds both ports (exiting if either cannot be), refuses clients
    /// until the store answers, and returns once it does; `None` if a stop
    /// signal came first.
    pub async fn start(self, node: &NodeSettings, store: &StoreSettings) -> Option<Started> {
        let tls = match crate::tls::server_config(node) {
            Ok(config) => Some(TlsAcceptor::from(config)),
            Err(e) => service::fail(self.service, &e),
        };
        let plain = service::bind(self.service, self.plain.variable, self.plain.address).await;
        let implicit =
            service::bind(self.service, self.implicit.variable, self.implicit.address).await;
        let refusing = starting::refuse(vec![
            (plain, Some(self.unavailable.to_string())),
            (implicit, None),
        ]);
        let store = service::connect_store(store).await?;
        let [plain, implicit]: [tokio::net::TcpListener; 2] =
            refusing.ready().await.try_into().expect("two listeners");
        let endpoints = vec![
            Endpoint {
                socket: plain,
                kind: PortName(self.plain.name),
                implicit_tls: false,
            },
            Endpoint {
                socket: implicit,
                kind: PortName(self.implicit.name),
                implicit_tls: true,
            },
        ];
        Some(Started {
            store,
            tls,
            endpoints,
            unavailable: self.unavailable,
            drain: self.drain,
            limits: Limits::new(self.max_clients, self.max_clients_per_host),
        })
    }
}

impl Started {
    /// Serves both ports until a stop signal, then drains.
    pub async fn serve<P: Protocol<Kind = PortName>>(self, protocol: Arc<P>) {
        let options = Options {
            tls: self.tls,
            limits: Some(self.limits),
            over_limit: self.unavailable.to_string(),
            drain: self.drain,
            // POP3 and IMAP are reached directly, not through a balancer.
            proxies: Vec::new(),
        };
        super::run(protocol, self.endpoints, options).await;
    }
}
