//! One POP3 client connection: socket and TLS I/O around a `Session`.

use std::net::SocketAddr;
use std::sync::Arc;

use mismo_core::net::{read_line, Io, Line};
use tokio::io::{AsyncWriteExt, BufReader};

use crate::maildrop::Maildrop;
use crate::server::Server;
use crate::session::{LoginError, Session, Step};
use crate::stuffing::Stuffer;

/// RFC 2449 4 allows 255 octets per command line; some clients send a little
/// more (long user names), so the bound is looser. SASL responses may be
/// longer still (RFC 5034 4).
pub(crate) const MAX_LINE: usize = 1024;
pub(crate) const MAX_SASL_LINE: usize = 12288;
/// A message body is written out whenever this much has gathered.
const SEND_AT: usize = 64 * 1024;

pub struct Connection {
    server: Arc<Server>,
    session: Session,
    reader: BufReader<Box<dyn Io>>,
    peer: SocketAddr,
    maildrop: Option<Maildrop>,
}

impl Connection {
    pub fn new(
        server: Arc<Server>,
        stream: Box<dyn Io>,
        peer: SocketAddr,
        implicit_tls: bool,
    ) -> Self {
        let session = Session::new(
            &server.settings.node.hostname,
            implicit_tls,
            server.tls.is_some(),
            server.settings.allow_plaintext_auth,
        );
        Self {
            server,
            session,
            reader: BufReader::new(stream),
            peer,
            maildrop: None,
        }
    }

    pub async fn run(mut self) {
        if let Err(e) = self.serve().await {
            tracing::debug!(peer = %self.peer, "session ended: {e}");
        }
        // A dropped connection deletes nothing: only QUIT commits.
        if let Some(m) = self.maildrop.take() {
            m.release().await;
        }
        let _ = self.reader.get_mut().shutdown().await;
    }

    async fn send(&mut self, text: &[u8]) -> std::io::Result<()> {
        let s = self.reader.get_mut();
        s.write_all(text).await?;
        s.flush().await
    }

    async fn serve(&mut self) -> std::io::Result<()> {
        let greeting = self.session.greeting();
        self.send(greeting.as_bytes()).await?;
        loop {
            let mut line = Vec::new();
            // A client that has not logged in gets a minute, not ten.
            let idle = if self.maildrop.is_some() {
                self.server.settings.idle_timeout
            } else {
                self.server
                    .login_timeout
                    .min(self.server.settings.idle_timeout)
            };
            let limit = if self.session.awaiting_sasl() {
                MAX_SASL_LINE
            } else {
                MAX_LINE
            };
            let read =
                tokio::time::timeout(idle, read_line(&mut self.reader, &mut line, limit)).await;
            let status = match read {
                Err(_) => {
                    self.send(b"-ERR Autologout; idle for too long\r\n").await?;
                    return Ok(());
                }
                Ok(r) => r?,
            };
            if let Some(maildrop) = &mut self.maildrop {
                if !maildrop.still_valid() {
                    tracing::info!(peer = %self.peer, mailbox = %maildrop.mailbox, "session ended: mailbox changed");
                    self.send(b"-ERR [SYS/PERM] Session ended: the mailbox's password or state changed; nothing deleted\r\n")
                        .await?;
                    return Ok(());
                }
            }
            if self.maildrop.as_ref().is_some_and(Maildrop::is_lost) {
                // Another session holds the maildrop now; whatever this one
                // marked deleted stays (RFC 1939 4: exclusive until UPDATE).
                self.send(b"-ERR [IN-USE] Maildrop lock lost; session ended, nothing deleted\r\n")
                    .await?;
                return Ok(());
            }
            let step = match status {
                Line::Eof => return Ok(()),
                Line::TooLong => self.session.overlong_line(),
                Line::Ok => self.session.command(&String::from_utf8_lossy(&line)),
            };
            if !self.drive(step).await? {
                return Ok(());
            }
        }
    }

    /// Carries out a step; false when the session is over.
    async fn drive(&mut self, mut step: Step) -> std::io::Result<bool> {
        loop {
            step = match step {
                Step::Reply(text) | Step::Challenge(text) => {
                    self.send(text.as_bytes()).await?;
                    return Ok(true);
                }
                Step::Close(text) => {
                    self.send(text.as_bytes()).await?;
                    return Ok(false);
                }
                Step::StartTls(text) => {
                    self.send(text.as_bytes()).await?;
                    self.start_tls().await?;
                    return Ok(true);
                }
                Step::Login { user, password } => {
                    let result = self.login(&user, &password).await;
                    self.session.logged_in(result)
                }
                Step::Send {
                    status,
                    index,
                    lines,
                } => {
                    self.send_message(&status, index, lines).await?;
                    return Ok(true);
                }
                Step::Commit(uids) => {
                    let result = match &self.maildrop {
                        Some(m) => m.delete(&uids).await,
                        None => Err(()),
                    };
                    self.session.committed(result)
                }
            };
        }
    }

    async fn login(
        &mut self,
        user: &str,
        password: &str,
    ) -> Result<Vec<crate::session::Msg>, LoginError> {
        match Maildrop::open(
            &self.server.store,
            &self.server.mailboxes,
            self.peer.ip(),
            user,
            password,
            self.server.settings.lock_ttl,
        )
        .await
        {
            Ok(m) => {
                let snapshot = m.snapshot();
                tracing::info!(peer = %self.peer, mailbox = %m.mailbox, messages = snapshot.len(), "logged in");
                self.maildrop = Some(m);
                Ok(snapshot)
            }
            Err(e) => Err(e),
        }
    }

    /// Streams one message chunk by chunk, encoded for POP3, after its
    /// status line. A small message goes out in one write with its status
    /// and terminator: one TLS record and one system call, not three.
    async fn send_message(
        &mut self,
        status: &str,
        index: usize,
        lines: Option<usize>,
    ) -> std::io::Result<()> {
        let Some(maildrop) = &mut self.maildrop else {
            return Err(std::io::Error::other("no maildrop"));
        };
        // The session's message numbers index the snapshot it was given.
        let blob = maildrop
            .readable(index)
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?
            .ok_or_else(|| std::io::Error::other("message removed meanwhile"))?;
        // Return-Path and Delivered-To, added at delivery, come before the
        // stored bytes; the sizes LIST gave count them.
        let added = maildrop.entries[index].delivery_headers.clone();
        let mut stuffer = match lines {
            Some(n) => Stuffer::top(n),
            None => Stuffer::full(),
        };
        let mut out = Vec::with_capacity(SEND_AT + 4096);
        out.extend_from_slice(status.as_bytes());
        stuffer.push(added.as_bytes(), &mut out);
        for n in 0..blob.parts() {
            if stuffer.is_done() {
                break;
            }
            // Halfway through a multi-line answer there is no way to report
            // an error: closing the connection tells the client it is incomplete.
            let chunk = self
                .server
                .store
                .read_chunk(&blob, n)
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            stuffer.push(&chunk, &mut out);
            if out.len() >= SEND_AT {
                self.send(&out).await?;
                out.clear();
            }
        }
        stuffer.finish(&mut out);
        self.send(&out).await
    }

    async fn start_tls(&mut self) -> std::io::Result<()> {
        let Some(acceptor) = self.server.tls.clone() else {
            return Err(std::io::Error::other("no TLS configuration"));
        };
        mismo_core::net::upgrade_tls(&mut self.reader, &acceptor).await?;
        self.session.tls_established();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mismo_core::admin::Admin;
    use mismo_core::config::{Env, FromEnv, Pop3Settings};
    use mismo_core::session_check::MailboxWatch;
    use mismo_testkit::TestStore;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};

    use super::*;

    /// A session on a pop3d whose unauthenticated sessions end after
    /// `login_timeout`; the client's end, its greeting read.
    async fn session(store: &TestStore, login_timeout: Duration) -> BufReader<DuplexStream> {
        let mut env = store.env();
        env.push(("POP3_ALLOW_PLAINTEXT_AUTH".into(), "yes".into()));
        let settings = Pop3Settings::from_env(&Env::from_pairs(env)).unwrap();
        let server = Arc::new(Server {
            settings,
            store: store.store().await,
            mailboxes: MailboxWatch::start(store.store().await, Duration::from_secs(5)),
            tls: None,
            login_timeout,
        });
        let (ours, theirs) = tokio::io::duplex(1 << 16);
        let peer = ([127, 0, 0, 1], 40000).into();
        tokio::spawn(Connection::new(server, Box::new(theirs), peer, false).run());
        let mut client = BufReader::new(ours);
        assert!(line(&mut client).await.starts_with("+OK"));
        client
    }

    async fn line(client: &mut BufReader<DuplexStream>) -> String {
        let mut line = String::new();
        client.read_line(&mut line).await.unwrap();
        line
    }

    async fn ask(client: &mut BufReader<DuplexStream>, command: &str) -> String {
        client
            .get_mut()
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .unwrap();
        line(client).await
    }

    #[tokio::test]
    async fn a_session_that_does_not_log_in_is_closed_soon() {
        let store = TestStore::start();
        Admin::new(&store.store().await)
            .add_domain("example.org")
            .await
            .unwrap();
        Admin::new(&store.store().await)
            .add_mailbox("zoe@example.org", "zoe's long password", 0)
            .await
            .unwrap();
        let short = Duration::from_millis(300);

        let mut client = session(&store, short).await;
        assert!(ask(&mut client, "NOOP").await.starts_with("-ERR"));
        assert_eq!(
            line(&mut client).await,
            "-ERR Autologout; idle for too long\r\n"
        );
        assert_eq!(line(&mut client).await, "", "closed");

        // Logged in, the session's own idle time applies.
        let mut client = session(&store, short).await;
        assert!(ask(&mut client, "USER zoe@example.org")
            .await
            .starts_with("+OK"));
        assert!(ask(&mut client, "PASS zoe's long password")
            .await
            .starts_with("+OK"));
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(ask(&mut client, "NOOP").await.starts_with("+OK"));
    }
}
