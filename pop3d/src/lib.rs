//! pop3d: POP3 with STLS and over implicit TLS, for any mail program. Every
//! instance shares maildrop locks through the store, so one session per
//! maildrop holds across the cluster.
//!
//! The POP3 session is a plain state machine over typed commands
//! ([`session::Session`], [`command::Command`]); the connection around it
//! does the I/O, and the shared server skeleton (`mismo_core::server`)
//! accepts and drains.

pub mod command;
mod connection;
mod maildrop;
mod server;
pub mod session;
mod stuffing;

use std::sync::Arc;
use std::time::Duration;

use mismo_core::config::Pop3Settings;
use mismo_core::server::{self as skeleton, Endpoint, Options};
use mismo_core::{service, starting};

use server::{Port, Server};

/// After a stop signal, how long open sessions may take to finish.
const DRAIN: Duration = Duration::from_secs(10);

/// Runs pop3d until a stop signal, then drains; an unfinished session
/// deletes nothing.
pub async fn run(settings: Pop3Settings) {
    let tls = match mismo_core::tls::server_config(&settings.node) {
        Ok(config) => Some(tokio_rustls::TlsAcceptor::from(config)),
        Err(e) => service::fail("pop3d", &e),
    };
    let plain = service::bind("pop3d", "POP3_LISTEN", settings.listen).await;
    let implicit = service::bind("pop3d", "POP3S_LISTEN", settings.pop3s_listen).await;
    // Until the store answers, mail programs are told so at once.
    let refusing = starting::refuse(vec![
        (
            plain,
            Some("-ERR [SYS/TEMP] Service not available, try again later\r\n".into()),
        ),
        (implicit, None),
    ]);
    let Some(store) = service::connect_store(&settings.store).await else {
        return;
    };
    let [plain, implicit]: [tokio::net::TcpListener; 2] =
        refusing.ready().await.try_into().expect("two listeners");
    let server = Arc::new(Server {
        settings,
        store,
        tls: tls.clone(),
        auth_failures: Default::default(),
    });
    let endpoints = vec![
        Endpoint {
            socket: plain,
            kind: Port::Pop3,
            implicit_tls: false,
        },
        Endpoint {
            socket: implicit,
            kind: Port::Pop3s,
            implicit_tls: true,
        },
    ];
    let options = Options {
        tls,
        limits: None,
        over_limit: String::new(),
        drain: DRAIN,
    };
    skeleton::run(server, endpoints, options).await;
}
