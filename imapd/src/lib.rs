//! imapd: IMAP4rev1 (RFC 3501) with the IMAP4rev2 (RFC 9051) behaviour
//! clients rely on, and IDLE, UIDPLUS, MOVE, LITERAL+, SPECIAL-USE,
//! NAMESPACE, ID, ENABLE and CONDSTORE. Folders, UIDs and flags live in the
//! store, shared with POP3 and webmail, so any number of imapd instances
//! serve one mailbox together.
//!
//! Parsing ([`parse`], [`command`]), the session's state ([`session`]), the
//! selected folder ([`view`]), FETCH ([`fetch`]) and SEARCH ([`search`])
//! are pure and tested on their own; the connection does the I/O, and the
//! shared server skeleton (`mismo_core::server`) accepts and drains.

pub mod command;
mod connection;
pub mod fetch;
mod header_cache;
pub mod parse;
pub mod search;
pub mod sequence;
mod server;
pub mod session;
pub mod utf7;
pub mod view;

use std::sync::Arc;
use std::time::Duration;

use mismo_core::config::ImapSettings;
use mismo_core::server::{self as skeleton, Endpoint, Options};
use mismo_core::{service, starting};

use server::{Port, Server};

/// After a stop signal, how long open sessions may take to finish.
const DRAIN: Duration = Duration::from_secs(10);
/// The largest message APPEND takes.
const MAX_APPEND: usize = 64 << 20;

/// Runs imapd until a stop signal, then drains.
pub async fn run(settings: ImapSettings) {
    let tls = match mismo_core::tls::server_config(&settings.node) {
        Ok(config) => Some(tokio_rustls::TlsAcceptor::from(config)),
        Err(e) => service::fail("imapd", &e),
    };
    let plain = service::bind("imapd", "IMAP_LISTEN", settings.listen).await;
    let implicit = service::bind("imapd", "IMAPS_LISTEN", settings.imaps_listen).await;
    // Until the store answers, mail programs are told so at once.
    let refusing = starting::refuse(vec![
        (
            plain,
            Some("* BYE [UNAVAILABLE] Service not available, try again later\r\n".into()),
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
        headers: Default::default(),
        max_message_size: MAX_APPEND,
    });
    let endpoints = vec![
        Endpoint {
            socket: plain,
            kind: Port::Imap,
            implicit_tls: false,
        },
        Endpoint {
            socket: implicit,
            kind: Port::Imaps,
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
