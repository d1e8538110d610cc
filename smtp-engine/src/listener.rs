//! Accept loops: one per listening socket, each handing connections that fit
//! within the limits to a `Connection`.

use std::sync::Arc;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::task::TaskTracker;

use crate::connection::Connection;
use crate::engine::Engine;
use crate::reply::common;
use crate::session::{Listener, SessionConfig};
use mismo_core::net::Io;

pub async fn serve(
    engine: Arc<Engine>,
    socket: TcpListener,
    listener: Listener,
    sessions: TaskTracker,
    mut stop: watch::Receiver<bool>,
) {
    let cfg = Arc::new(SessionConfig {
        hostname: engine.settings.node.hostname.clone(),
        listener,
        max_message_size: engine.settings.max_message_size,
        max_recipients: crate::session::MAX_RECIPIENTS,
        tls_available: engine.tls.is_some(),
    });
    let implicit_tls = listener == Listener::Smtps;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = socket.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("accept on {}: {e}", listener.name());
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let engine = Arc::clone(&engine);
        let cfg = Arc::clone(&cfg);
        sessions.spawn(async move {
            let Some(slot) = engine.limits.admit(peer.ip()) else {
                engine.stats.connection_refused();
                refuse(stream, implicit_tls.then(|| engine.tls.clone()).flatten()).await;
                return;
            };
            let stream: Box<dyn Io> = if implicit_tls {
                let Some(acceptor) = engine.tls.clone() else {
                    return;
                };
                match acceptor.accept(stream).await {
                    Ok(tls) => Box::new(tls),
                    Err(e) => {
                        tracing::debug!(%peer, "TLS handshake failed: {e}");
                        return;
                    }
                }
            } else {
                Box::new(stream)
            };
            Connection::new(engine, cfg, stream, peer, implicit_tls, slot)
                .run()
                .await;
        });
    }
}

/// Over a limit: `421 4.7.0` and close (after the handshake on implicit TLS).
async fn refuse(stream: tokio::net::TcpStream, tls: Option<tokio_rustls::TlsAcceptor>) {
    let reply = common::too_many_connections().to_wire();
    match tls {
        Some(acceptor) => {
            if let Ok(mut s) = acceptor.accept(stream).await {
                let _ = s.write_all(reply.as_bytes()).await;
                let _ = s.shutdown().await;
            }
        }
        None => {
            let mut s = stream;
            let _ = s.write_all(reply.as_bytes()).await;
            let _ = s.shutdown().await;
        }
    }
}
