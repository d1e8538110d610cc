//! What a protocol listener does while its service waits for the store at
//! start-up: it answers at once that it cannot serve yet, and closes.
//!
//! A listening socket nobody accepts from leaves clients connected with no
//! greeting until they time out; Postfix's smtpd answers `421` when it cannot
//! work, so a sending MTA tries its next MX, and a mail program says why.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Listeners refusing clients until the service is ready.
pub struct Refusing {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<TcpListener>>,
}

/// Answers every client of each listener with its line (say `421 ...`), or
/// closes at once where the line is `None` (an implicit-TLS port, where
/// plain text would only break the handshake), until [`Refusing::ready`].
pub fn refuse(listeners: Vec<(TcpListener, Option<String>)>) -> Refusing {
    let (stop, stopped) = watch::channel(false);
    let tasks = listeners
        .into_iter()
        .map(|(listener, line)| tokio::spawn(answer(listener, line, stopped.clone())))
        .collect();
    Refusing { stop, tasks }
}

impl Refusing {
    /// Stops refusing and hands the listeners back, in the order given.
    pub async fn ready(self) -> Vec<TcpListener> {
        let _ = self.stop.send(true);
        let mut listeners = Vec::with_capacity(self.tasks.len());
        for task in self.tasks {
            listeners.push(task.await.expect("refusing listener"));
        }
        listeners
    }
}

async fn answer(
    listener: TcpListener,
    line: Option<String>,
    mut stopped: watch::Receiver<bool>,
) -> TcpListener {
    loop {
        tokio::select! {
            _ = stopped.changed() => return listener,
            accepted = listener.accept() => {
                let Ok((mut stream, _)) = accepted else {
                    // Out of descriptors or similar: let it pass.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                let line = line.clone();
                tokio::spawn(async move {
                    if let Some(line) = line {
                        let _ = tokio::time::timeout(
                            Duration::from_secs(5),
                            stream.write_all(line.as_bytes()),
                        )
                        .await;
                    }
                    let _ = stream.shutdown().await;
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn refuses_until_ready_then_hands_the_socket_back() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let refusing = refuse(vec![(listener, Some("421 not yet\r\n".into()))]);
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut got = String::new();
        client.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "421 not yet\r\n");

        let listener = refusing.ready().await.pop().unwrap();
        assert_eq!(listener.local_addr().unwrap(), addr);
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (_, _) = listener.accept().await.unwrap();
    }
}
