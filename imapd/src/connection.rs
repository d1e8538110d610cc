//! One IMAP client connection: reading commands with their literals,
//! writing replies, and handing each command to the method of its family
//! (`cmd/`). Errors become replies here, and only here.

use std::net::SocketAddr;
use std::sync::Arc;

use mismo_core::session_check::SessionCheck;

use mismo_core::net::{read_line, Io, Line};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};

use crate::cmd::{CommandError, StoreRequest};
use crate::command::Command;
use crate::parse::{self, literal_at_end};
use crate::read_ahead::ReadAhead;
use crate::server::Server;
use crate::session::{Refusal, Session, State};
use crate::watch::Watching;

/// A command line without its literals (RFC 9051 4: servers should take
/// lines of at least 8000 octets).
pub(crate) const MAX_LINE: usize = 64 * 1024;
/// A literal in any command but APPEND (a password, a search string).
pub(crate) const MAX_LITERAL: usize = 64 * 1024;
/// Any literal before login (a password): nobody may make the server hold
/// more for a client it does not know.
const MAX_LOGIN_LITERAL: usize = 8 * 1024;
/// Pending output is written once it reaches this.
const WRITE_AT: usize = 64 * 1024;
/// The most write buffer a session keeps between commands.
const IDLE_WRITE_BUFFER: usize = 4 * 1024;

type Io2 = std::io::Result<()>;

pub struct Connection {
    pub(crate) server: Arc<Server>,
    pub(crate) session: Session,
    pub(crate) reader: BufReader<Box<dyn Io>>,
    pub(crate) peer: SocketAddr,
    /// Output not yet written: untagged lines gather here, so a FETCH of
    /// many messages goes out in few TLS records.
    pending: Vec<u8>,
    /// The selected folder's messages read ahead of the one asked for.
    pub(crate) ahead: ReadAhead,
    /// What notices that the logged-in mailbox changed under the session.
    pub(crate) check: Option<SessionCheck>,
    /// Wakes the session when its selected folder changed.
    pub(crate) watching: Option<Watching>,
}

/// How reading one command ended.
enum Read {
    Command(Vec<u8>),
    /// A line or literal over the bounds; the tag if it was read.
    TooBig(Option<String>),
    Closed,
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
            reader: BufReader::with_capacity(16 * 1024, stream),
            peer,
            pending: Vec::new(),
            ahead: ReadAhead::default(),
            check: None,
            watching: None,
        }
    }

    pub async fn run(mut self) {
        if let Err(e) = self.serve().await {
            tracing::debug!(peer = %self.peer, "session ended: {e}");
        }
        // What LOGOUT answered, or a last reply, is still to go out.
        let _ = self.send(&[]).await;
        let _ = self.reader.get_mut().shutdown().await;
    }

    /// Writes everything pending and `bytes`.
    pub(crate) async fn send(&mut self, bytes: &[u8]) -> Io2 {
        self.pending.extend_from_slice(bytes);
        let s = self.reader.get_mut();
        s.write_all(&self.pending).await?;
        self.pending.clear();
        s.flush().await
    }

    /// Adds `bytes` to what is pending, writing once enough has gathered.
    pub(crate) async fn queue(&mut self, bytes: &[u8]) -> Io2 {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= WRITE_AT {
            self.send(&[]).await?;
        }
        Ok(())
    }

    async fn serve(&mut self) -> Io2 {
        let greeting = self.session.greeting();
        self.send(greeting.as_bytes()).await?;
        loop {
            if self.reader.buffer().is_empty() && !self.pending.is_empty() {
                self.send(&[]).await?;
            }
            // A session waiting for its next command keeps no large write
            // buffer: a thousand idle sessions each holding the 64 KiB one
            // FETCH grew would be 64 MB for nothing.
            // (Pipelined commands leave replies pending: those stay.)
            if self.pending.is_empty() && self.pending.capacity() > IDLE_WRITE_BUFFER {
                self.pending = Vec::new();
            }
            // A client that has not logged in gets a minute, not half an
            // hour: idle unauthenticated sessions are cheap to open by the
            // thousand.
            let idle = if self.session.mailbox().is_some() {
                self.server.settings.idle_timeout
            } else {
                self.server.login_timeout
            };
            let read = match tokio::time::timeout(idle, self.read_command()).await {
                Ok(r) => r?,
                Err(_) => {
                    self.send(b"* BYE Autologout; idle for too long\r\n")
                        .await?;
                    return Ok(());
                }
            };
            let input = match read {
                Read::Closed => return Ok(()),
                Read::TooBig(tag) => {
                    let tag = tag.unwrap_or_else(|| "*".into());
                    let line = format!("{tag} BAD [TOOBIG] Command or literal too long\r\n");
                    self.send(line.as_bytes()).await?;
                    if !self.session.error() {
                        self.send(b"* BYE Too many errors\r\n").await?;
                        return Ok(());
                    }
                    continue;
                }
                Read::Command(input) => input,
            };
            let parsed = match parse::parse(&input) {
                Ok(p) => p,
                Err(e) => {
                    let tag = e.tag.unwrap_or_else(|| "*".into());
                    if !self.bad(&tag, e.reason).await? {
                        return Ok(());
                    }
                    continue;
                }
            };
            let tag = parsed.tag.clone();
            let command = match Command::from_parsed(parsed) {
                Ok(c) => c,
                Err(reason) => {
                    if !self.bad(&tag, &reason).await? {
                        return Ok(());
                    }
                    continue;
                }
            };
            match self.session.check(&command) {
                Ok(()) => {}
                Err(Refusal::WrongState(why)) => {
                    if !self.bad(&tag, why).await? {
                        return Ok(());
                    }
                    continue;
                }
                Err(Refusal::NeedsTls) => {
                    let line =
                        format!("{tag} NO [PRIVACYREQUIRED] Use STARTTLS before logging in\r\n");
                    self.send(line.as_bytes()).await?;
                    continue;
                }
            }
            if !self.still_valid().await? {
                return Ok(());
            }
            self.execute(&tag, command).await?;
            if matches!(self.session.state, State::Logout) {
                return Ok(());
            }
        }
    }

    /// Whether the logged-in mailbox may still be used (see
    /// [`SessionCheck`]); a session that may not is ended with a BYE saying
    /// so.
    pub(crate) async fn still_valid(&mut self) -> std::io::Result<bool> {
        let Some(check) = &self.check else {
            return Ok(true);
        };
        if check.still_valid() {
            return Ok(true);
        }
        tracing::info!(peer = %self.peer, mailbox = %check.address(), "session ended: mailbox changed");
        self.send(b"* BYE Session ended: the mailbox's password or state changed\r\n")
            .await?;
        self.session.state = State::Logout;
        Ok(false)
    }

    /// A BAD answer; false when the client has had too many.
    async fn bad(&mut self, tag: &str, reason: &str) -> std::io::Result<bool> {
        let line = format!("{tag} BAD {reason}\r\n");
        self.send(line.as_bytes()).await?;
        if self.session.error() {
            Ok(true)
        } else {
            self.send(b"* BYE Too many errors\r\n").await?;
            Ok(false)
        }
    }

    /// Reads one command: its lines and the literals between them.
    async fn read_command(&mut self) -> std::io::Result<Read> {
        let mut input = Vec::new();
        let mut line = Vec::new();
        loop {
            match read_line(&mut self.reader, &mut line, MAX_LINE).await? {
                Line::Eof => return Ok(Read::Closed),
                Line::TooLong => return Ok(Read::TooBig(tag_of(&line))),
                Line::Ok => {}
            }
            input.extend_from_slice(&line);
            let Some(literal) = literal_at_end(&line) else {
                return Ok(Read::Command(input));
            };
            let is_append =
                tag_and_name(&input).is_some_and(|(_, n)| n.eq_ignore_ascii_case("APPEND"));
            let limit = if self.session.mailbox().is_none() {
                MAX_LOGIN_LITERAL
            } else if is_append {
                self.server.max_message_size
            } else {
                MAX_LITERAL
            };
            if literal.size > limit || input.len() + literal.size > limit + MAX_LINE * 4 {
                if literal.non_sync {
                    // The client sends it anyway (RFC 7888 4): read it away,
                    // up to a bound, then answer.
                    if literal.size > limit.saturating_mul(2) {
                        return Err(std::io::Error::other("oversized non-synchronising literal"));
                    }
                    let mut sink = tokio::io::sink();
                    let mut take = (&mut self.reader).take(literal.size as u64);
                    tokio::io::copy(&mut take, &mut sink).await?;
                    let mut rest = Vec::new();
                    let _ = read_line(&mut self.reader, &mut rest, MAX_LINE).await?;
                }
                return Ok(Read::TooBig(tag_of(&input)));
            }
            if !literal.non_sync {
                self.send(b"+ Ready for literal data\r\n").await?;
            }
            let start = input.len();
            input.resize(start + literal.size, 0);
            self.reader.read_exact(&mut input[start..]).await?;
        }
    }

    /// Carries out a command and answers how it ended.
    async fn execute(&mut self, tag: &str, command: Command) -> Io2 {
        match self.dispatch(tag, command).await {
            Ok(()) => Ok(()),
            Err(CommandError::Io(e)) => Err(e),
            Err(CommandError::Store(e)) => {
                tracing::warn!(peer = %self.peer, "store: {e}");
                let line = format!("{tag} NO [UNAVAILABLE] Temporary failure, try again later\r\n");
                self.send(line.as_bytes()).await
            }
            Err(CommandError::No(text)) => {
                self.session.error();
                let line = format!("{tag} NO {text}\r\n");
                self.send(line.as_bytes()).await
            }
            Err(CommandError::Bad(text)) => {
                if !self.bad(tag, &text).await? {
                    self.session.state = State::Logout;
                }
                Ok(())
            }
        }
    }

    /// The family method of each command.
    async fn dispatch(&mut self, tag: &str, command: Command) -> Result<(), CommandError> {
        use Command as C;
        match command {
            C::Capability => self.capability(tag).await,
            C::Noop | C::Check => self.noop(tag).await,
            C::Logout => self.logout(tag).await,
            C::Id => self.id(tag).await,
            C::Namespace => self.namespace(tag).await,
            C::Enable(caps) => self.enable(tag, caps).await,
            C::StartTls => self.starttls(tag).await,
            C::Login { user, password } => self.login(tag, &user, &password).await,
            C::Authenticate { mechanism, initial } => {
                self.authenticate(tag, &mechanism, initial).await
            }
            C::List {
                reference,
                pattern,
                special_use,
                subscribed_only,
            } => {
                self.list(
                    tag,
                    "LIST",
                    &reference,
                    &pattern,
                    special_use,
                    subscribed_only,
                )
                .await
            }
            C::Lsub { reference, pattern } => {
                self.list(tag, "LSUB", &reference, &pattern, false, true)
                    .await
            }
            C::Create(name) => self.create(tag, &name).await,
            C::Delete(name) => self.delete(tag, &name).await,
            C::Rename(from, to) => self.rename(tag, &from, &to).await,
            C::Subscribe(name) => self.subscribe(tag, &name, true).await,
            C::Unsubscribe(name) => self.subscribe(tag, &name, false).await,
            C::Status { mailbox, items } => self.status(tag, &mailbox, items).await,
            C::Select {
                mailbox,
                read_only,
                condstore,
            } => self.select(tag, &mailbox, read_only, condstore).await,
            C::Close => self.close(tag, true).await,
            C::Unselect => self.close(tag, false).await,
            C::Fetch {
                set,
                uid,
                items,
                changed_since,
            } => self.fetch(tag, &set, uid, items, changed_since).await,
            C::Store {
                set,
                uid,
                mode,
                silent,
                flags,
                unchanged_since,
            } => {
                let req = StoreRequest {
                    mode,
                    silent,
                    flags: &flags,
                    unchanged_since,
                };
                self.store_flags(tag, &set, uid, req).await
            }
            C::Copy { set, uid, mailbox } => self.copy(tag, &set, uid, &mailbox, false).await,
            C::Move { set, uid, mailbox } => self.copy(tag, &set, uid, &mailbox, true).await,
            C::Expunge(uids) => self.expunge(tag, uids.as_ref()).await,
            C::Append {
                mailbox,
                flags,
                date,
                message,
            } => {
                self.append(tag, &mailbox, flags, date.as_deref(), message)
                    .await
            }
            C::Search { uid, key } => self.search(tag, uid, &key).await,
            C::Idle => self.idle(tag).await,
        }
    }
}

/// The tag at the start of a command, if one is there.
fn tag_of(input: &[u8]) -> Option<String> {
    tag_and_name(input).map(|(t, _)| t)
}

fn tag_and_name(input: &[u8]) -> Option<(String, String)> {
    let text = String::from_utf8_lossy(&input[..input.len().min(256)]);
    let mut words = text.split(' ');
    let tag = words.next()?.trim().to_string();
    let name = words.next().unwrap_or("").trim().to_string();
    (!tag.is_empty() && tag.bytes().all(|b| b.is_ascii_graphic())).then_some((tag, name))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cmd::testing::Client;

    #[test]
    fn tags() {
        assert_eq!(
            tag_and_name(b"a1 APPEND INBOX {5}\r\n"),
            Some(("a1".into(), "APPEND".into()))
        );
        assert_eq!(tag_of(b"\r\n"), None);
    }

    #[tokio::test]
    async fn before_login_a_large_literal_is_refused_unread() {
        let mut c = Client::start().await;
        // No invitation to send 64 MiB: refused at once.
        c.send(b"x APPEND INBOX {67108863}\r\n").await;
        assert_eq!(
            c.line().await,
            "x BAD [TOOBIG] Command or literal too long\r\n"
        );
        // Sent anyway without waiting (LITERAL+): read away up to a small
        // bound, then the session ends.
        c.send(b"y APPEND INBOX {67108863+}\r\n").await;
        assert!(c.closed().await);
        // After login, APPEND takes a message as large as allowed.
        let mut c = Client::signed_in().await;
        c.send(b"z APPEND INBOX {100000}\r\n").await;
        assert_eq!(c.line().await, "+ Ready for literal data\r\n");
    }

    #[tokio::test]
    async fn a_session_that_does_not_log_in_is_closed_soon() {
        let mut c = Client::start_with_login_timeout(Duration::from_millis(300)).await;
        assert_eq!(c.run("a NOOP").await, "a OK NOOP completed\r\n");
        assert_eq!(c.line().await, "* BYE Autologout; idle for too long\r\n");
        assert!(c.closed().await);
        // Logged in, the session's own idle time applies.
        let mut c = Client::start_with_login_timeout(Duration::from_millis(300)).await;
        c.login().await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(c.run("b NOOP").await, "b OK NOOP completed\r\n");
    }

    #[tokio::test]
    async fn a_changed_mailbox_ends_its_sessions() {
        use crate::cmd::testing::{PASSWORD, ZOE};
        use mismo_core::admin::Admin;
        use mismo_core::model::Activation;

        // A password reset.
        let mut c = Client::signed_in().await;
        assert_eq!(c.run("a NOOP").await, "a OK NOOP completed\r\n");
        let store = c.store.clone();
        let admin = Admin::new(&store);
        admin
            .set_password(ZOE, "a new long password")
            .await
            .unwrap();
        c.settle().await;
        c.send(b"b SELECT INBOX\r\n").await;
        assert_eq!(
            c.line().await,
            "* BYE Session ended: the mailbox's password or state changed\r\n"
        );
        assert!(c.closed().await);
        admin.set_password(ZOE, PASSWORD).await.unwrap();
        // Disabled, also while in IDLE.
        let mut c = c.another().await;
        c.login().await;
        c.run("c SELECT INBOX").await;
        c.send(b"d IDLE\r\n").await;
        assert_eq!(c.line().await, "+ idling\r\n");
        admin
            .set_mailbox_state(ZOE, Activation::Disabled)
            .await
            .unwrap();
        assert_eq!(
            c.line().await,
            "* BYE Session ended: the mailbox's password or state changed\r\n"
        );
        admin
            .set_mailbox_state(ZOE, Activation::Enabled)
            .await
            .unwrap();
        // Removed and made again under the same name and password.
        let mut c = c.another().await;
        c.login().await;
        admin.remove_mailbox(ZOE).await.unwrap();
        admin.add_mailbox(ZOE, PASSWORD, 0).await.unwrap();
        c.settle().await;
        c.send(b"e LIST \"\" *\r\n").await;
        assert!(c.line().await.starts_with("* BYE Session ended"));
    }

    #[tokio::test]
    async fn bad_input_is_answered_and_too_much_of_it_ends_the_session() {
        let mut c = Client::start().await;
        assert_eq!(c.run("a FROB").await, "a BAD Unknown command\r\n");
        assert_eq!(c.run("b SELECT INBOX").await, "b BAD Log in first\r\n");
        c.send(b"c LOGIN {70000}\r\n").await;
        assert_eq!(
            c.line().await,
            "c BAD [TOOBIG] Command or literal too long\r\n"
        );
        c.send(b"d LOGIN {3+}\r\nabc {3+}\r\nxyz\r\n").await;
        assert_eq!(
            c.line().await,
            "d NO [AUTHENTICATIONFAILED] Authentication failed\r\n"
        );
        let frobs: String = (0..20).map(|n| format!("e{n} FROB\r\n")).collect();
        c.send(frobs.as_bytes()).await;
        let mut out = String::new();
        loop {
            let line = c.line().await;
            if line.is_empty() {
                break;
            }
            out.push_str(&line);
        }
        assert!(
            out.ends_with(" BAD Unknown command\r\n* BYE Too many errors\r\n"),
            "{out}"
        );
        assert!(out.lines().count() < 20, "{out}");
    }
}
