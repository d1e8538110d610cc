//! imapd: IMAP4rev1 (RFC 3501) with the IMAP4rev2 (RFC 9051) behaviour
//! clients rely on, and IDLE, UIDPLUS, MOVE, LITERAL+, SPECIAL-USE,
//! NAMESPACE, ID, ENABLE and CONDSTORE. Folders, UIDs and flags live in the
//! store, shared with POP3 and webmail, so any number of imapd instances
//! serve one mailbox together.
//!
//! Parsing ([`parse`], [`command`]), the session's state ([`session`]), the
//! selected folder ([`view`]), FETCH's data ([`fetch_data`]), SEARCH
//! ([`search`]) and dates ([`date`]) are pure and tested on their own. Each
//! command family carries its commands out in a file of its own (`cmd/`),
//! tested at the session level over an in-memory pipe; the connection
//! reads and writes, and the shared server skeleton (`mismo_core::server`)
//! accepts and drains.

mod cmd;
pub mod command;
mod connection;
pub mod date;
pub mod fetch_data;
#[doc(hidden)]
pub mod fuzzing;
mod header_cache;
pub mod parse;
mod read_ahead;
pub mod search;
pub mod sequence;
mod server;
pub mod session;
pub mod utf7;
pub mod view;
mod watch;

use std::sync::Arc;
use std::time::Duration;

use mismo_core::config::ImapSettings;
use mismo_core::server::{PortSetting, TwoPorts};
use mismo_core::session_check::MailboxWatch;

use server::Server;

/// After a stop signal, how long open sessions may take to finish.
const DRAIN: Duration = Duration::from_secs(10);
/// The largest message APPEND takes.
const MAX_APPEND: usize = 64 << 20;
/// How long a session that has not logged in may wait between commands.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the process compares its sessions' mailboxes with the
/// store's: a change ends them within this long (one read of the mailboxes
/// and one of their domains for all sessions each time).
const RECHECK: Duration = Duration::from_secs(5);
/// How often the process looks at the folders its sessions have selected:
/// a change made anywhere is told to IDLE within about this long.
const WATCH_TICK: Duration = Duration::from_millis(500);

/// Runs imapd until a stop signal, then drains.
pub async fn run(settings: ImapSettings) {
    let ports = TwoPorts {
        service: "imapd",
        plain: PortSetting {
            variable: "IMAP_LISTEN",
            address: settings.listen,
            name: "imap",
        },
        implicit: PortSetting {
            variable: "IMAPS_LISTEN",
            address: settings.tls_listen,
            name: "imaps",
        },
        // Until the store answers, mail programs are told so at once.
        unavailable: "* BYE [UNAVAILABLE] Service not available, try again later\r\n",
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
        folders: watch::FolderWatch::start(started.store.clone(), WATCH_TICK),
        tls: started.tls.clone(),
        headers: Default::default(),
        max_message_size: MAX_APPEND,
        login_timeout: LOGIN_TIMEOUT,
        mailboxes: MailboxWatch::start(started.store.clone(), RECHECK),
    });
    started.serve(server).await;
}
