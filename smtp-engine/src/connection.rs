//! One client connection: socket and TLS I/O around a `Session`.

use std::net::SocketAddr;
use std::sync::Arc;

use mismo_core::model::Origin;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio_rustls::TlsAcceptor;

use crate::data::{read_chunk, read_data};
use crate::engine::Engine;
use crate::reply::{common, Reply};
use crate::session::{Envelope, Listener, NotStored, Session, SessionConfig, Step};
use mismo_core::auth::{Login, MAX_FAILURES};
use mismo_core::net::{read_line, Io, Line};
use mismo_core::server::{Client, Slot};

/// RFC 5321 4.5.3.1.4: a command line is at most 512 octets with its CRLF.
const MAX_COMMAND_LINE: usize = 512;
/// RFC 4954 4: SASL lines may be up to 12288 octets.
pub(crate) const MAX_SASL_LINE: usize = 12288;

pub struct Connection {
    engine: Arc<Engine>,
    session: Session,
    reader: BufReader<Box<dyn Io>>,
    out: Vec<u8>,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    /// The connection-limit slot; given back before the last reply, so a
    /// client that reconnects on seeing it finds the slot free.
    slot: Option<Slot>,
}

enum Flow {
    Continue,
    Close,
}

impl Connection {
    pub fn new(engine: Arc<Engine>, cfg: Arc<SessionConfig>, client: Client<Listener>) -> Self {
        let tls = engine.tls.clone();
        Self {
            session: Session::new(cfg, client.peer.ip(), client.implicit_tls),
            engine,
            reader: BufReader::with_capacity(16 * 1024, client.stream),
            out: Vec::with_capacity(1024),
            peer: client.peer,
            tls,
            slot: client.slot,
        }
    }

    pub async fn run(mut self) {
        let limit = self.engine.settings.session_timeout;
        match tokio::time::timeout(limit, self.serve()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!(peer = %self.peer, "session ended: {e}"),
            Err(_) => {
                tracing::info!(peer = %self.peer, "session too long, closed");
                self.out.clear();
                let reply = common::too_slow(&self.engine.settings.node.hostname, "the session");
                let _ = self.send(&reply).await;
            }
        }
        let _ = self.reader.get_mut().shutdown().await;
    }

    async fn send(&mut self, reply: &Reply) -> std::io::Result<()> {
        reply.write_to(&mut self.out);
        self.flush().await
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        if !self.out.is_empty() {
            let stream = self.reader.get_mut();
            stream.write_all(&self.out).await?;
            stream.flush().await?;
            self.out.clear();
        }
        Ok(())
    }

    /// Closes a session whose client stalled inside a message (RFC 5321
    /// 4.5.3.2.6), freeing its connection slot.
    async fn too_slow(&mut self, what: &str) -> std::io::Result<Flow> {
        tracing::info!(peer = %self.peer, "{what} took too long, closed");
        self.slot = None;
        let reply = common::too_slow(&self.engine.settings.node.hostname, what);
        self.send(&reply).await?;
        Ok(Flow::Close)
    }

    /// Reads a line within the idle timeout; `None` when the session must end.
    async fn line(&mut self, limit: usize) -> std::io::Result<Option<(Line, Vec<u8>)>> {
        let mut buf = Vec::new();
        let idle = self.engine.settings.idle_timeout;
        match tokio::time::timeout(idle, read_line(&mut self.reader, &mut buf, limit)).await {
            Ok(Ok(Line::Eof)) => Ok(None),
            Ok(Ok(status)) => Ok(Some((status, buf))),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                let reply = common::idle_timeout(&self.engine.settings.node.hostname);
                self.send(&reply).await?;
                Ok(None)
            }
        }
    }

    async fn serve(&mut self) -> std::io::Result<()> {
        let greeting = self.session.greeting();
        self.send(&greeting).await?;
        loop {
            // RFC 2920: answer a pipelined group in one write, once the client
            // has nothing more buffered.
            if self.reader.buffer().is_empty() {
                self.flush().await?;
            }
            let Some((status, line)) = self.line(MAX_SASL_LINE).await? else {
                return Ok(());
            };
            let step = if is_overlong(status, &line) {
                self.session.overlong_line()
            } else {
                self.session.command(&line)
            };
            if let Flow::Close = self.drive(step).await? {
                return Ok(());
            }
        }
    }

    /// Carries out steps until the session waits for the next command.
    async fn drive(&mut self, mut step: Step) -> std::io::Result<Flow> {
        loop {
            step = match step {
                Step::Reply(reply) => {
                    self.count(&reply);
                    reply.write_to(&mut self.out);
                    return Ok(Flow::Continue);
                }
                Step::Close(reply) => {
                    self.slot = None;
                    self.send(&reply).await?;
                    return Ok(Flow::Close);
                }
                Step::StartTls(reply) => {
                    self.send(&reply).await?;
                    self.start_tls().await?;
                    return Ok(Flow::Continue);
                }
                Step::CheckSender(sender) => {
                    let verdict = self
                        .engine
                        .policy
                        .check_sender(self.session.auth_user(), &sender)
                        .await;
                    self.session.sender_checked(verdict)
                }
                Step::CheckRecipient(rcpt) => {
                    let verdict = self
                        .engine
                        .policy
                        .check_recipient(self.session.auth_user(), &rcpt)
                        .await;
                    self.session.recipient_checked(verdict)
                }
                Step::ReadData(reply) => {
                    self.send(&reply).await?;
                    let max = self.engine.settings.max_message_size;
                    let limit = self.engine.settings.data_timeout;
                    match tokio::time::timeout(limit, read_data(&mut self.reader, max)).await {
                        Ok(outcome) => self.session.data_read(outcome?),
                        Err(_) => return self.too_slow("the message").await,
                    }
                }
                Step::ReadBdat { size, keep } => {
                    let limit = self.engine.settings.data_timeout;
                    match tokio::time::timeout(limit, read_chunk(&mut self.reader, size, keep))
                        .await
                    {
                        Ok(chunk) => self.session.bdat_read(chunk?),
                        Err(_) => return self.too_slow("the chunk").await,
                    }
                }
                Step::Challenge(reply) => {
                    self.send(&reply).await?;
                    let Some((_, line)) = self.line(MAX_SASL_LINE).await? else {
                        return Ok(Flow::Close);
                    };
                    self.session.auth_line(&String::from_utf8_lossy(&line))
                }
                Step::CheckCredentials { user, password } => {
                    self.check_login(&user, &password).await
                }
                Step::Store(envelope) => {
                    let policy = &self.engine.policy;
                    let recipients: Vec<String> = envelope
                        .recipients
                        .iter()
                        .map(|r| r.address.clone())
                        .collect();
                    let verdict = match policy
                        .check_from_header(envelope.auth_user.as_deref(), &envelope.message)
                        .await
                    {
                        Ok(()) => {
                            policy
                                .check_quota(&recipients, envelope.message.len())
                                .await
                        }
                        refused => refused,
                    };
                    if let Err(reply) = verdict {
                        tracing::info!(peer = %self.peer, "not queued: {}", reply.lines.join(" "));
                        self.session.stored(Err(NotStored::Refused(reply)))
                    } else {
                        self.store(*envelope).await
                    }
                }
            };
        }
    }

    /// Hands an accepted message to the store; the session's next step.
    async fn store(&mut self, envelope: Envelope) -> Step {
        let origin = Origin {
            client_ip: self.peer.ip().to_string(),
            helo: envelope.helo.clone(),
            auth_user: envelope.auth_user.clone(),
            listener: self.session.listener().name().into(),
            engine: self.engine.settings.node.hostname.clone(),
        };
        // Postfix's smtpd and cleanup lines in one, found by the queue id
        // like every delivery line after it.
        let intake = format!(
            "client=[{}]:{}, helo=<{}>, listener={}, tls={}, sasl_username={}, from=<{}>, size={}, nrcpt={}",
            self.peer.ip(),
            self.peer.port(),
            envelope.helo,
            origin.listener,
            if self.session.tls() { "yes" } else { "no" },
            envelope.auth_user.as_deref().unwrap_or("-"),
            envelope.mail_from,
            envelope.message.len(),
            envelope.recipients.len()
        );
        let result = crate::intake::enqueue(&self.engine.store, envelope, origin).await;
        match &result {
            Ok(id) => {
                self.engine.stats.message_accepted();
                tracing::info!("{id}: {intake}");
            }
            Err(e) => tracing::warn!(peer = %self.peer, "not queued: {e}"),
        }
        self.session
            .stored(result.map_err(|_| NotStored::StoreUnavailable))
    }

    fn count(&self, reply: &Reply) {
        if reply.code >= 400 {
            self.engine.stats.rejected();
        }
    }

    async fn check_login(&mut self, user: &str, password: &str) -> Step {
        let too_many = || {
            Step::Close(Reply::new(
                421,
                "4.7.0",
                "Too many failed authentications, try again later",
            ))
        };
        let temporary =
            || Step::Reply(Reply::new(454, "4.7.0", "Temporary authentication failure"));
        let login = match self
            .engine
            .policy
            .authenticate(self.peer.ip(), user, password)
            .await
        {
            Ok(login) => login,
            Err(e) => {
                tracing::warn!("login check: {e}");
                return temporary();
            }
        };
        match login {
            Login::Opened(mailbox) => self.session.credentials_checked(Some(mailbox.address)),
            Login::Refused { failures } if failures < MAX_FAILURES => {
                tracing::info!(peer = %self.peer, user, failures, "authentication failed");
                self.session.credentials_checked(None)
            }
            Login::Refused { .. } | Login::Blocked => {
                tracing::info!(peer = %self.peer, user, "authentication refused: too many failures");
                too_many()
            }
            Login::Busy => temporary(),
        }
    }

    async fn start_tls(&mut self) -> std::io::Result<()> {
        let Some(acceptor) = self.tls.clone() else {
            return Err(std::io::Error::other("no TLS configuration"));
        };
        mismo_core::net::upgrade_tls(&mut self.reader, &acceptor).await?;
        self.session.tls_established();
        Ok(())
    }
}

/// Whether a command line read with the SASL limit is too long for the
/// command it is: only AUTH (with its initial response) may pass 512 octets.
pub(crate) fn is_overlong(status: Line, line: &[u8]) -> bool {
    status == Line::TooLong
        || (line.len() > MAX_COMMAND_LINE && !starts_with_ignore_case(line, b"AUTH "))
}

fn starts_with_ignore_case(line: &[u8], prefix: &[u8]) -> bool {
    line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix)
}
