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
#[doc(hidden)]
pub mod fuzzing;
mod maildrop;
mod server;
pub mod session;
mod stuffing;

use std::sync::Arc;
use std::time::Duration;

use mismo_core::config::Pop3Settings;
use mismo_core::server::{PortSetting, TwoPorts};

use server::Server;

/// After a stop signal, how long open sessions may take to finish.
const DRAIN: Duration = Duration::from_secs(10);
/// How often the process compares its sessions' mailboxes with the store's:
/// a reset, a disable or a removal ends them within this long.
const RECHECK: Duration = Duration::from_secs(5);
/// A client that has not logged in gets a minute between commands, not the
/// ten minutes of POP3_IDLE_TIMEOUT: an unauthenticated connection ties up
/// a slot of POP3_MAX_CLIENTS for little.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs pop3d until a stop signal, then drains; an unfinished session
/// deletes nothing.
pub async fn run(settings: Pop3Settings) {
    let ports = TwoPorts {
        service: "pop3d",
        plain: PortSetting {
            variable: "POP3_LISTEN",
            address: settings.listen,
            name: "pop3",
        },
        implicit: PortSetting {
            variable: "POP3S_LISTEN",
            address: settings.tls_listen,
            name: "pop3s",
        },
        // Until the store answers, mail programs are told so at once.
        unavailable: "-ERR [SYS/TEMP] Service not available, try again later\r\n",
        drain: DRAIN,
        max_clients: settings.max_clients,
        max_clients_per_host: settings.max_clients_per_host,
    };
    mismo_core::login_cache::remember_logins_for(settings.auth_cache_ttl);
    let Some(started) = ports.start(&settings.node, &settings.store).await else {
        return;
    };
    let server = Arc::new(Server {
        settings,
        store: started.store.clone(),
        mailboxes: mismo_core::session_check::MailboxWatch::start(started.store.clone(), RECHECK),
        tls: started.tls.clone(),
        login_timeout: LOGIN_TIMEOUT,
    });
    started.serve(server).await;
}
