//! One endpoint's accept loop: admit within the limits, hand over after the
//! implicit-TLS handshake, and keep going when the process runs short of
//! file descriptors.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_util::task::TaskTracker;

use futures_util::FutureExt;

use super::descriptors::{self, ErrorLog};
use super::{proxy_protocol, Client, Endpoint, Options, Protocol, HANDSHAKE_TIMEOUT};
use crate::net::Io;

/// After an accept error such as EMFILE, how long to wait before the next
/// accept: retrying at once would spin on the same error (the pending
/// connection stays in the backlog until a descriptor frees up).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// At most one log line per endpoint for accept errors in this long.
const ERROR_LOG_EVERY: Duration = Duration::from_secs(10);

pub(super) async fn serve<P: Protocol>(
    protocol: Arc<P>,
    endpoint: Endpoint<P::Kind>,
    options: Arc<Options>,
    sessions: TaskTracker,
    mut stop: watch::Receiver<bool>,
) {
    let kind = endpoint.kind;
    let implicit_tls = endpoint.implicit_tls;
    let mut errors = ErrorLog::new(ERROR_LOG_EVERY);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = endpoint.socket.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    if let Some(unsaid) = errors.note(std::time::Instant::now()) {
                        tracing::warn!("accept on {kind}: {e} ({unsaid} more since the last report)");
                    }
                    if descriptors::exhausted(&e) {
                        turn_away_one(&endpoint.socket, implicit_tls, &options.over_limit);
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                        _ = stop.changed() => return,
                    }
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let protocol = Arc::clone(&protocol);
        let options = Arc::clone(&options);
        sessions.spawn(async move {
            let (mut stream, mut peer) = (stream, peer);
            if options.proxies.contains(&peer.ip()) {
                let header = proxy_protocol::read_header(&mut stream);
                match tokio::time::timeout(proxy_protocol::HEADER_TIMEOUT, header).await {
                    Ok(Ok(Some(client))) => peer = client,
                    Ok(Ok(None)) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(balancer = %peer, "{e}");
                        return;
                    }
                    Err(_) => {
                        tracing::warn!(balancer = %peer, "no PROXY header in time");
                        return;
                    }
                }
            }
            let slot = match &options.limits {
                Some(limits) => match limits.admit(peer.ip()) {
                    Some(slot) => Some(slot),
                    None => {
                        protocol.refused(kind);
                        let tls = if implicit_tls {
                            options.tls.as_ref()
                        } else {
                            None
                        };
                        refuse(stream, tls, &options.over_limit).await;
                        return;
                    }
                },
                None => None,
            };
            let stream: Box<dyn Io> = if implicit_tls {
                let Some(acceptor) = &options.tls else {
                    return;
                };
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => Box::new(tls),
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, "TLS handshake failed: {e}");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "TLS handshake timed out");
                        return;
                    }
                }
            } else {
                Box::new(stream)
            };
            protocol
                .session(Client {
                    stream,
                    peer,
                    kind,
                    implicit_tls,
                    slot,
                })
                .await;
        });
    }
}

/// Out of descriptors: takes the longest-waiting client off the backlog with
/// the spare descriptor and tells it so at once (on a plain port; an
/// implicit-TLS client is just closed, since no handshake is possible
/// without blocking), rather than leaving it to time out.
fn turn_away_one(socket: &tokio::net::TcpListener, implicit_tls: bool, line: &str) {
    descriptors::with_spare(|| {
        if let Some(Ok((stream, _))) = socket.accept().now_or_never() {
            if !implicit_tls {
                // A new socket's send buffer is empty: this never blocks.
                let _ = stream.try_write(line.as_bytes());
            }
        }
    });
}

/// Over a limit: the refusal line, then close (after the handshake on
/// implicit TLS, where plain text would only break it).
async fn refuse(stream: TcpStream, tls: Option<&tokio_rustls::TlsAcceptor>, line: &str) {
    let write = async {
        match tls {
            Some(acceptor) => {
                if let Ok(mut s) = acceptor.accept(stream).await {
                    let _ = s.write_all(line.as_bytes()).await;
                    let _ = s.shutdown().await;
                }
            }
            None => {
                let mut s = stream;
                let _ = s.write_all(line.as_bytes()).await;
                let _ = s.shutdown().await;
            }
        }
    };
    let _ = tokio::time::timeout(HANDSHAKE_TIMEOUT, write).await;
}
