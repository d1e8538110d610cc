//! pop3d: POP3 with STLS and over implicit TLS, for any mail program. Every
//! instance shares maildrop locks through the store, so one session per
//! maildrop holds across the cluster.

mod connection;
mod maildrop;
mod server;
mod session;
mod stuffing;

use std::sync::Arc;
use std::time::Duration;

use mismo_core::config::Pop3Settings;
use mismo_core::net::Io;
use mismo_core::{service, shutdown, starting};
use tokio_util::task::TaskTracker;

use connection::Connection;
use server::Server;

/// After a stop signal, how long open sessions may take to finish.
const DRAIN: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() {
    let settings: Pop3Settings = service::settings("pop3d");
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
        tls,
        auth_failures: Default::default(),
    });
    let sessions = TaskTracker::new();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut loops = Vec::new();
    for (socket, implicit_tls) in [(plain, false), (implicit, true)] {
        tracing::info!(
            "listening on {} ({})",
            socket
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            if implicit_tls { "implicit TLS" } else { "STLS" }
        );
        loops.push(tokio::spawn(accept(
            Arc::clone(&server),
            socket,
            implicit_tls,
            sessions.clone(),
            stop_rx.clone(),
        )));
    }
    // Operators and tests wait for this line: every listener now serves.
    tracing::info!("serving");
    shutdown::signal().await;
    let _ = stop_tx.send(true);
    for l in loops {
        let _ = l.await;
    }
    sessions.close();
    if tokio::time::timeout(DRAIN, sessions.wait()).await.is_err() {
        tracing::warn!(
            "closing {} session(s) at shutdown; nothing is deleted",
            sessions.len()
        );
    }
    tracing::info!("stopped");
}

async fn accept(
    server: Arc<Server>,
    socket: tokio::net::TcpListener,
    implicit_tls: bool,
    sessions: TaskTracker,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let (stream, peer) = tokio::select! {
            a = socket.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("accept: {e}");
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let server = Arc::clone(&server);
        sessions.spawn(async move {
            let stream: Box<dyn Io> = if implicit_tls {
                let Some(acceptor) = server.tls.clone() else {
                    return;
                };
                match acceptor.accept(stream).await {
                    Ok(s) => Box::new(s),
                    Err(e) => {
                        tracing::debug!(%peer, "TLS handshake failed: {e}");
                        return;
                    }
                }
            } else {
                Box::new(stream)
            };
            Connection::new(server, stream, peer, implicit_tls)
                .run()
                .await;
        });
    }
}
