//! One IMAP client connection: reading commands with their literals, and
//! carrying out each against the store around the pure session, parser
//! and formatters.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mail_parser::MessageParser;
use mismo_core::auth::{Login, MAX_FAILURES};
use mismo_core::model::{now_ms, Folder, MailboxEntry};
use mismo_core::net::{read_line, Io, Line};
use mismo_core::store::FlagChange;
use mismo_core::{sasl, StoreError};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};

use crate::command::{Command, FetchItem, StatusItem, StoreMode};
use crate::fetch;
use crate::header_cache::Header;
use crate::parse::{self, literal_at_end};
use crate::search::{self, Candidate};
use crate::server::Server;
use crate::session::{list_line, pattern_matches, Refusal, Session, State};
use crate::view::{Changes, View};

/// A command line without its literals (RFC 9051 4: servers should take
/// lines of at least 8000 octets).
const MAX_LINE: usize = 64 * 1024;
/// A literal in any command but APPEND (a password, a search string).
const MAX_LITERAL: usize = 64 * 1024;
/// How often an IDLE session looks for changes: within a second, whatever
/// made them.
const IDLE_POLL: Duration = Duration::from_secs(1);

type Io2 = std::io::Result<()>;

pub struct Connection {
    server: Arc<Server>,
    session: Session,
    reader: BufReader<Box<dyn Io>>,
    peer: SocketAddr,
    /// Output not yet written: untagged lines gather here, so a FETCH of
    /// many messages goes out in few TLS records.
    pending: Vec<u8>,
    /// Entries (bytes included) read ahead of the one asked for.
    ahead: HashMap<String, MailboxEntry>,
    /// Header blocks read ahead, the same way.
    ahead_headers: HashMap<String, Header>,
    /// The message after the last header blocks read ahead: asked for
    /// next, it shows the session reads in order.
    headers_next: Option<String>,
    /// The next header blocks, being read: the first one's id, and the read.
    headers_reading: Option<(String, HeadersRead)>,
}

/// Messages read together: a client that reads one message nearly always
/// reads the next (FETCH 1:*, a sync, a SEARCH), and one find for many costs
/// the store little more than one for one. At most this many, and this many
/// bytes, per read.
const READ_AHEAD: usize = 128;
const READ_AHEAD_BYTES: i64 = 2 << 20;
/// How many header blocks are read at once.
const HEADERS_AHEAD: usize = 512;

type HeadersRead = tokio::task::JoinHandle<Result<Vec<(String, Option<Vec<u8>>)>, StoreError>>;
/// Pending output is written once it reaches this.
const WRITE_AT: usize = 64 * 1024;
/// The most write buffer a session keeps between commands.
const IDLE_WRITE_BUFFER: usize = 4 * 1024;

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
            ahead: HashMap::new(),
            ahead_headers: HashMap::new(),
            headers_next: None,
            headers_reading: None,
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
    async fn send(&mut self, bytes: &[u8]) -> Io2 {
        self.pending.extend_from_slice(bytes);
        let s = self.reader.get_mut();
        s.write_all(&self.pending).await?;
        self.pending.clear();
        s.flush().await
    }

    /// Adds `bytes` to what is pending, writing once enough has gathered.
    async fn queue(&mut self, bytes: &[u8]) -> Io2 {
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
            let idle = self.server.settings.idle_timeout;
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
            self.execute(&tag, command).await?;
            if matches!(self.session.state, State::Logout) {
                return Ok(());
            }
        }
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
            let limit = if is_append {
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

    async fn execute(&mut self, tag: &str, command: Command) -> Io2 {
        let result = self.dispatch(tag, command).await;
        match result {
            Ok(()) => Ok(()),
            Err(Failure::Io(e)) => Err(e),
            Err(Failure::Store(e)) => {
                tracing::warn!(peer = %self.peer, "store: {e}");
                let line = format!("{tag} NO [UNAVAILABLE] Temporary failure, try again later\r\n");
                self.send(line.as_bytes()).await
            }
            Err(Failure::No(text)) => {
                self.session.error();
                let line = format!("{tag} NO {text}\r\n");
                self.send(line.as_bytes()).await
            }
            Err(Failure::Bad(text)) => {
                if !self.bad(tag, &text).await? {
                    self.session.state = State::Logout;
                }
                Ok(())
            }
        }
    }

    async fn dispatch(&mut self, tag: &str, command: Command) -> Result<(), Failure> {
        use Command as C;
        match command {
            C::Capability => {
                let caps = self.session.capabilities();
                self.ok(
                    tag,
                    &format!("* CAPABILITY {caps}\r\n"),
                    "CAPABILITY completed",
                )
                .await
            }
            C::Noop | C::Check => {
                self.report_changes(true).await?;
                self.ok(tag, "", "NOOP completed").await
            }
            C::Logout => {
                self.session.state = State::Logout;
                self.ok(tag, "* BYE Logging out\r\n", "LOGOUT completed")
                    .await
            }
            C::Id => {
                self.ok(tag, "* ID (\"name\" \"Mismo\")\r\n", "ID completed")
                    .await
            }
            C::Namespace => {
                self.ok(
                    tag,
                    "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n",
                    "NAMESPACE completed",
                )
                .await
            }
            C::Enable(caps) => {
                let mut enabled = Vec::new();
                for c in caps {
                    if c == "CONDSTORE" {
                        self.session.condstore = true;
                        enabled.push(c);
                    }
                }
                let mut line = String::from("* ENABLED");
                for c in &enabled {
                    line.push(' ');
                    line.push_str(c);
                }
                line.push_str("\r\n");
                self.ok(tag, &line, "ENABLE completed").await
            }
            C::StartTls => {
                self.send(format!("{tag} OK Begin TLS negotiation now\r\n").as_bytes())
                    .await?;
                let Some(acceptor) = self.server.tls.clone() else {
                    return Err(Failure::Io(std::io::Error::other("no TLS")));
                };
                mismo_core::net::upgrade_tls(&mut self.reader, &acceptor).await?;
                self.session.tls = true;
                Ok(())
            }
            C::Login { user, password } => self.login(tag, &user, &password).await,
            C::Authenticate { mechanism, initial } => {
                if mechanism != "PLAIN" {
                    return Err(Failure::No("[CANNOT] Unsupported mechanism".into()));
                }
                let response = match initial {
                    Some(i) => i,
                    None => {
                        self.send(b"+ \r\n").await?;
                        let mut line = Vec::new();
                        if read_line(&mut self.reader, &mut line, MAX_LITERAL).await? != Line::Ok {
                            return Err(Failure::Io(std::io::ErrorKind::UnexpectedEof.into()));
                        }
                        String::from_utf8_lossy(&line).trim_end().to_string()
                    }
                };
                match sasl::decode_line(&response).and_then(|b| sasl::plain(&b)) {
                    Ok((user, password)) => self.login(tag, &user, &password).await,
                    Err(sasl::SaslError::Cancelled) => {
                        self.send(format!("{tag} BAD Authentication cancelled\r\n").as_bytes())
                            .await?;
                        Ok(())
                    }
                    Err(sasl::SaslError::Malformed) => {
                        self.send(
                            format!("{tag} BAD Malformed authentication data\r\n").as_bytes(),
                        )
                        .await?;
                        Ok(())
                    }
                }
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
            C::Create(name) => {
                let name = Folder::normalise(name.trim_end_matches('/'));
                Folder::check_name(&name).map_err(|e| Failure::No(e.into()))?;
                if Folder::is_inbox(&name) {
                    return Err(Failure::No("[ALREADYEXISTS] INBOX always exists".into()));
                }
                let mailbox = self.mailbox();
                // RFC 3501 6.3.3: the levels above it are created too.
                let levels: Vec<&str> = name.split('/').collect();
                for depth in 1..levels.len() {
                    let parent = levels[..depth].join("/");
                    if self
                        .server
                        .store
                        .get_folder(&mailbox, &parent)
                        .await?
                        .is_some()
                    {
                        continue;
                    }
                    match self.server.store.create_folder(&mailbox, &parent).await {
                        Ok(_) | Err(StoreError::Duplicate(_)) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                match self.server.store.create_folder(&mailbox, &name).await {
                    Ok(_) => self.ok(tag, "", "CREATE completed").await,
                    Err(StoreError::Duplicate(_)) => {
                        Err(Failure::No("[ALREADYEXISTS] Folder exists already".into()))
                    }
                    Err(e) => Err(e.into()),
                }
            }
            C::Delete(name) => {
                if Folder::is_inbox(&name) {
                    return Err(Failure::No("[CANNOT] INBOX cannot be deleted".into()));
                }
                let mailbox = self.mailbox();
                let folder = self.folder(&mailbox, &name).await?;
                if let State::Selected { folder: f, .. } = &self.session.state {
                    if f.id == folder.id {
                        self.session.state = State::Authenticated {
                            mailbox: mailbox.clone(),
                        };
                    }
                }
                self.server.store.delete_folder(&mailbox, &folder).await?;
                self.ok(tag, "", "DELETE completed").await
            }
            C::Rename(from, to) => {
                let to = Folder::normalise(to.trim_end_matches('/'));
                Folder::check_name(&to).map_err(|e| Failure::No(e.into()))?;
                if Folder::is_inbox(&to) {
                    return Err(Failure::No("[ALREADYEXISTS] INBOX always exists".into()));
                }
                let mailbox = self.mailbox();
                if Folder::is_inbox(&from) {
                    return self.rename_inbox(tag, &mailbox, &to).await;
                }
                match self.server.store.rename_folder(&mailbox, &from, &to).await {
                    Ok(true) => self.ok(tag, "", "RENAME completed").await,
                    Ok(false) => Err(Failure::No("[NONEXISTENT] No such folder".into())),
                    Err(StoreError::Duplicate(_)) => {
                        Err(Failure::No("[ALREADYEXISTS] Folder exists already".into()))
                    }
                    Err(e) => Err(e.into()),
                }
            }
            C::Subscribe(name) => self.subscribe(tag, &name, true).await,
            C::Unsubscribe(name) => self.subscribe(tag, &name, false).await,
            C::Status {
                mailbox: name,
                items,
            } => {
                let mailbox = self.mailbox();
                let folder = self.folder(&mailbox, &name).await?;
                let entries = self.server.store.list_folder(&mailbox, &folder.id).await?;
                let view = View::new(&entries);
                let mut parts = Vec::new();
                for item in items {
                    parts.push(match item {
                        StatusItem::Messages => format!("MESSAGES {}", entries.len()),
                        StatusItem::Recent => "RECENT 0".into(),
                        StatusItem::UidNext => {
                            format!("UIDNEXT {}", view.uid_next(folder.uid_floor))
                        }
                        StatusItem::UidValidity => format!("UIDVALIDITY {}", folder.uidvalidity),
                        StatusItem::Unseen => format!(
                            "UNSEEN {}",
                            entries.iter().filter(|e| !e.has_flag("\\Seen")).count()
                        ),
                        StatusItem::HighestModSeq => format!("HIGHESTMODSEQ {}", folder.modseq),
                        StatusItem::Size => {
                            format!("SIZE {}", entries.iter().map(|e| e.size).sum::<i64>())
                        }
                    });
                }
                let line = format!(
                    "* STATUS {} ({})\r\n",
                    fetch::string(&crate::utf7::encode(&folder.name)),
                    parts.join(" ")
                );
                self.ok(tag, &line, "STATUS completed").await
            }
            C::Select {
                mailbox: name,
                read_only,
                condstore,
            } => self.select(tag, &name, read_only, condstore).await,
            C::Close | C::Unselect => {
                let close = matches!(command, C::Close);
                if close {
                    if let State::Selected {
                        read_only: false,
                        view,
                        ..
                    } = &self.session.state
                    {
                        let ids: Vec<String> = view
                            .msgs
                            .iter()
                            .filter(|m| m.has("\\Deleted"))
                            .map(|m| m.id.clone())
                            .collect();
                        if !ids.is_empty() {
                            let mailbox = self.mailbox();
                            self.server.store.delete_entries(&mailbox, &ids).await?;
                        }
                    }
                }
                let mailbox = self.mailbox();
                self.session.state = State::Authenticated { mailbox };
                self.ok(
                    tag,
                    "",
                    if close {
                        "CLOSE completed"
                    } else {
                        "UNSELECT completed"
                    },
                )
                .await
            }
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
                self.store_flags(tag, &set, uid, mode, silent, &flags, unchanged_since)
                    .await
            }
            C::Copy { set, uid, mailbox } => self.copy(tag, &set, uid, &mailbox, false).await,
            C::Move { set, uid, mailbox } => self.copy(tag, &set, uid, &mailbox, true).await,
            C::Expunge(uids) => self.expunge(tag, uids.as_ref()).await,
            C::Append {
                mailbox: name,
                flags,
                date,
                message,
            } => {
                self.append(tag, &name, flags, date.as_deref(), message)
                    .await
            }
            C::Search { uid, key } => self.search(tag, uid, &key).await,
            C::Idle => self.idle(tag).await,
        }
    }

    async fn subscribe(&mut self, tag: &str, name: &str, on: bool) -> Result<(), Failure> {
        let mailbox = self.mailbox();
        if !self.server.store.set_subscribed(&mailbox, name, on).await? {
            return Err(Failure::No("[NONEXISTENT] No such folder".into()));
        }
        let verb = if on { "SUBSCRIBE" } else { "UNSUBSCRIBE" };
        self.ok(tag, "", &format!("{verb} completed")).await
    }

    fn mailbox(&self) -> String {
        self.session.mailbox().unwrap_or_default().to_string()
    }

    async fn ok(&mut self, tag: &str, untagged: &str, text: &str) -> Result<(), Failure> {
        let mut out = String::with_capacity(untagged.len() + 64);
        out.push_str(untagged);
        out.push_str(tag);
        out.push_str(" OK ");
        out.push_str(if text.is_empty() { "completed" } else { text });
        out.push_str("\r\n");
        // Written once the client has no more commands waiting (pipelined
        // ones, as mbsync sends, are answered together), or sooner if much.
        self.queue(out.as_bytes()).await?;
        Ok(())
    }

    async fn folder(&mut self, mailbox: &str, name: &str) -> Result<Folder, Failure> {
        self.server
            .store
            .get_folder(mailbox, name)
            .await?
            .ok_or_else(|| Failure::No("[NONEXISTENT] No such folder".into()))
    }

    async fn login(&mut self, tag: &str, user: &str, password: &str) -> Result<(), Failure> {
        let login =
            mismo_core::auth::login(&self.server.store, self.peer.ip(), user, password).await?;
        let mailbox = match login {
            Login::Opened(mailbox) => mailbox,
            Login::Busy => {
                self.send(
                    format!("{tag} NO [UNAVAILABLE] Too many logins in progress; try again\r\n")
                        .as_bytes(),
                )
                .await?;
                return Ok(());
            }
            Login::Refused { failures } if failures < MAX_FAILURES => {
                tracing::info!(peer = %self.peer, user, failures, "login failed");
                self.session.error();
                self.send(
                    format!("{tag} NO [AUTHENTICATIONFAILED] Authentication failed\r\n").as_bytes(),
                )
                .await?;
                return Ok(());
            }
            Login::Refused { .. } | Login::Blocked => {
                tracing::info!(peer = %self.peer, user, "login refused: too many failures");
                self.send(
                    format!("{tag} NO [UNAVAILABLE] Too many failed logins; try again later\r\n")
                        .as_bytes(),
                )
                .await?;
                self.session.state = State::Logout;
                return Ok(());
            }
        };
        self.server
            .store
            .ensure_default_folders(&mailbox.address)
            .await?;
        tracing::info!(peer = %self.peer, mailbox = %mailbox.address, "logged in");
        self.session.state = State::Authenticated {
            mailbox: mailbox.address,
        };
        let caps = self.session.capabilities();
        self.send(format!("{tag} OK [CAPABILITY {caps}] Logged in\r\n").as_bytes())
            .await?;
        Ok(())
    }

    async fn list(
        &mut self,
        tag: &str,
        verb: &str,
        reference: &str,
        pattern: &str,
        special_use: bool,
        subscribed_only: bool,
    ) -> Result<(), Failure> {
        if pattern.is_empty() {
            // RFC 9051 6.3.9: the hierarchy delimiter and root.
            let line = format!("* {verb} (\\Noselect) \"/\" \"\"\r\n");
            return self.ok(tag, &line, &format!("{verb} completed")).await;
        }
        let full = format!("{reference}{pattern}");
        let mailbox = self.mailbox();
        let folders = self.server.store.list_folders(&mailbox).await?;
        let mut out = String::new();
        let mut sorted: Vec<&Folder> = folders.iter().collect();
        // INBOX first, then by name, as clients show them.
        sorted.sort_by_key(|f| (!Folder::is_inbox(&f.name), f.name.clone()));
        for f in sorted {
            if subscribed_only && f.subscribed != 1 {
                continue;
            }
            if pattern_matches(&full, &f.name) {
                out.push_str(&list_line(verb, f, &folders, special_use || verb == "LIST"));
            }
        }
        self.ok(tag, &out, &format!("{verb} completed")).await
    }

    async fn rename_inbox(&mut self, tag: &str, mailbox: &str, to: &str) -> Result<(), Failure> {
        // RFC 9051 6.3.6: INBOX's messages move to the new folder; INBOX
        // stays, empty.
        let target = match self.server.store.create_folder(mailbox, to).await {
            Ok(f) => f,
            Err(StoreError::Duplicate(_)) => {
                return Err(Failure::No("[ALREADYEXISTS] Folder exists already".into()))
            }
            Err(e) => return Err(e.into()),
        };
        let inbox = Folder::inbox_id(mailbox);
        let entries = self.server.store.list_folder(mailbox, &inbox).await?;
        let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        self.copy_entries(mailbox, &entries, &target).await?;
        self.server.store.delete_entries(mailbox, &ids).await?;
        self.ok(tag, "", "RENAME completed").await
    }

    async fn select(
        &mut self,
        tag: &str,
        name: &str,
        read_only: bool,
        condstore: bool,
    ) -> Result<(), Failure> {
        let mailbox = self.mailbox();
        // A failed SELECT leaves no folder selected (RFC 9051 6.3.2).
        self.session.state = State::Authenticated {
            mailbox: mailbox.clone(),
        };
        let folder = self.folder(&mailbox, name).await?;
        let entries = self.server.store.list_folder(&mailbox, &folder.id).await?;
        if condstore {
            self.session.condstore = true;
        }
        let view = View::new(&entries);
        let unseen = view.msgs.iter().position(|m| !m.has("\\Seen"));
        let mut out = String::new();
        out.push_str("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n");
        out.push_str(&format!(
            "* OK [PERMANENTFLAGS ({})] Flags permitted\r\n",
            if read_only {
                ""
            } else {
                "\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*"
            }
        ));
        out.push_str(&format!("* {} EXISTS\r\n* 0 RECENT\r\n", view.msgs.len()));
        if let Some(i) = unseen {
            out.push_str(&format!("* OK [UNSEEN {}] First unseen\r\n", i + 1));
        }
        out.push_str(&format!(
            "* OK [UIDVALIDITY {}] UIDs valid\r\n* OK [UIDNEXT {}] Predicted next UID\r\n* OK [HIGHESTMODSEQ {}] Highest\r\n",
            folder.uidvalidity,
            view.uid_next(folder.uid_floor),
            folder.modseq
        ));
        let done = if read_only {
            "[READ-ONLY] EXAMINE completed"
        } else {
            "[READ-WRITE] SELECT completed"
        };
        self.ahead.clear();
        self.ahead_headers.clear();
        self.headers_next = None;
        if let Some((_, read)) = self.headers_reading.take() {
            read.abort();
        }
        self.session.state = State::Selected {
            mailbox,
            folder,
            view,
            read_only,
        };
        self.ok(tag, &out, done).await
    }

    /// Reads the folder again and tells the client what changed.
    async fn report_changes(&mut self, expunges: bool) -> Result<(), Failure> {
        let State::Selected {
            mailbox, folder, ..
        } = &self.session.state
        else {
            return Ok(());
        };
        let entries = self.server.store.list_folder(mailbox, &folder.id).await?;
        let condstore = self.session.condstore;
        let State::Selected { view, .. } = &mut self.session.state else {
            return Ok(());
        };
        let changes = view.refresh(&entries, expunges);
        let text = changes_text(&changes, view, condstore);
        if !text.is_empty() {
            self.send(text.as_bytes()).await?;
        }
        Ok(())
    }

    /// The selected folder's messages a set names, or BAD for numbers past
    /// the end.
    fn resolve(
        &self,
        set: &crate::sequence::SequenceSet,
        uid: bool,
    ) -> Result<Vec<usize>, Failure> {
        let State::Selected { view, .. } = &self.session.state else {
            return Ok(Vec::new());
        };
        if !uid && view.out_of_range(set) {
            return Err(Failure::Bad("Invalid message number".into()));
        }
        Ok(view.resolve(set, uid))
    }

    /// The selected folder's message `index`, bytes included, read ahead
    /// with the next ones; `None` if it was expunged meanwhile.
    async fn entry_at(
        &mut self,
        mailbox: &str,
        index: usize,
    ) -> Result<Option<MailboxEntry>, Failure> {
        let State::Selected { view, .. } = &self.session.state else {
            return Ok(None);
        };
        let Some(msg) = view.msgs.get(index) else {
            return Ok(None);
        };
        if let Some(e) = self.ahead.remove(&msg.id) {
            return Ok(Some(e));
        }
        let mut bytes = 0;
        let ids: Vec<String> = view.msgs[index..]
            .iter()
            .take(READ_AHEAD)
            .enumerate()
            .take_while(|(n, m)| {
                bytes += m.size;
                *n == 0 || bytes <= READ_AHEAD_BYTES
            })
            .map(|(_, m)| m.id.clone())
            .collect();
        let wanted = msg.id.clone();
        self.ahead.clear();
        for e in self.server.store.get_entries(mailbox, &ids).await? {
            self.ahead.insert(e.id.clone(), e);
        }
        Ok(self.ahead.remove(&wanted))
    }

    /// Message `index`'s header block as delivered (delivery headers
    /// first), read ahead with the next ones' and without any body; the
    /// whole message where no header is kept apart.
    async fn header_at(&mut self, mailbox: &str, index: usize) -> Result<Option<Vec<u8>>, Failure> {
        let State::Selected { view, .. } = &self.session.state else {
            return Ok(None);
        };
        let Some(msg) = view.msgs.get(index) else {
            return Ok(None);
        };
        let wanted = msg.id.clone();
        if !self.ahead_headers.contains_key(&wanted) {
            self.read_headers_ahead(mailbox, index).await?;
        }
        let cached = self.ahead_headers.remove(&wanted);
        match cached {
            // Expunged meanwhile.
            None => Ok(None),
            Some(Some(header)) => Ok(Some(header.to_vec())),
            Some(None) => self.message_bytes(mailbox, index).await,
        }
    }

    /// Fills `ahead_headers` with the header blocks of the messages from
    /// `index` on: from the shared cache, from a read started earlier, and
    /// from the store for the rest. When the session reads on in order
    /// (ENVELOPEs of a whole folder, a header SEARCH), the next batch is
    /// read meanwhile, so the store and this session work at once.
    async fn read_headers_ahead(&mut self, mailbox: &str, index: usize) -> Result<(), Failure> {
        let State::Selected { view, .. } = &self.session.state else {
            return Ok(());
        };
        let batch: Vec<String> = view.msgs[index..]
            .iter()
            .take(HEADERS_AHEAD)
            .map(|m| m.id.clone())
            .collect();
        let following = view
            .msgs
            .get(index + HEADERS_AHEAD..)
            .unwrap_or_default()
            .iter()
            .take(HEADERS_AHEAD)
            .map(|m| m.id.clone())
            .filter(|id| self.server.headers.get(id).is_none())
            .collect::<Vec<_>>();
        let in_order = self.headers_next.as_deref() == batch.first().map(String::as_str);
        self.headers_next = view.msgs.get(index + HEADERS_AHEAD).map(|m| m.id.clone());
        self.ahead_headers.clear();
        if let Some((first, read)) = self.headers_reading.take() {
            if batch.first() == Some(&first) {
                // A failed read ahead is read again below.
                if let Ok(Ok(found)) = read.await {
                    self.keep_headers(found);
                }
            } else {
                read.abort();
            }
        }
        let mut missing = Vec::new();
        for id in batch {
            if self.ahead_headers.contains_key(&id) {
                continue;
            }
            match self.server.headers.get(&id) {
                Some(h) => {
                    self.ahead_headers.insert(id, h);
                }
                None => missing.push(id),
            }
        }
        if in_order && !following.is_empty() {
            let store = self.server.store.clone();
            let mailbox = mailbox.to_string();
            let first = following[0].clone();
            let read = tokio::spawn(async move { store.get_headers(&mailbox, &following).await });
            self.headers_reading = Some((first, read));
        }
        if !missing.is_empty() {
            let found = self.server.store.get_headers(mailbox, &missing).await?;
            self.keep_headers(found);
        }
        Ok(())
    }

    /// Header blocks read from the store, into the shared cache and the
    /// ones read ahead.
    fn keep_headers(&mut self, found: Vec<(String, Option<Vec<u8>>)>) {
        for (id, h) in found {
            let h: Header = h.map(Arc::from);
            self.server.headers.insert(id.clone(), h.clone());
            self.ahead_headers.insert(id, h);
        }
    }

    /// Message `index`'s bytes as delivered (delivery headers first).
    async fn message_bytes(
        &mut self,
        mailbox: &str,
        index: usize,
    ) -> Result<Option<Vec<u8>>, Failure> {
        let Some(entry) = self.entry_at(mailbox, index).await? else {
            return Ok(None);
        };
        let bytes = self.server.store.get_blob(&entry.blob).await?;
        let mut full = Vec::with_capacity(entry.delivery_headers.len() + bytes.len());
        full.extend_from_slice(entry.delivery_headers.as_bytes());
        full.extend_from_slice(&bytes);
        Ok(Some(full))
    }

    async fn fetch(
        &mut self,
        tag: &str,
        set: &crate::sequence::SequenceSet,
        uid: bool,
        mut items: Vec<FetchItem>,
        changed_since: Option<i64>,
    ) -> Result<(), Failure> {
        let indexes = self.resolve(set, uid)?;
        if uid && !items.contains(&FetchItem::Uid) {
            items.insert(0, FetchItem::Uid);
        }
        if changed_since.is_some() {
            self.session.condstore = true;
        }
        if self.session.condstore && changed_since.is_some() && !items.contains(&FetchItem::ModSeq)
        {
            items.push(FetchItem::ModSeq);
        }
        // The whole message is streamed from the store; anything else
        // that looks inside reads and parses the message first.
        let needs_bytes = items.iter().any(needs_message);
        // ENVELOPE and header sections need no body.
        let headers_suffice = items.iter().all(|i| !needs_message(i) || header_only(i));
        let sets_seen = items
            .iter()
            .any(|i| matches!(i, FetchItem::Section { peek: false, .. }));
        let (mailbox, folder_id, read_only) = match &self.session.state {
            State::Selected {
                mailbox,
                folder,
                read_only,
                ..
            } => (mailbox.clone(), folder.id.clone(), *read_only),
            _ => return Ok(()),
        };
        for i in indexes {
            let msg = match &self.session.state {
                State::Selected { view, .. } => view.msgs[i].clone(),
                _ => break,
            };
            if changed_since.is_some_and(|c| msg.modseq <= c) {
                continue;
            }
            let mut flags = msg.flags.clone();
            let mut modseq = msg.modseq;
            let mut add_flags = false;
            if sets_seen && !read_only && !msg.has("\\Seen") {
                let changed = self
                    .server
                    .store
                    .change_flags(
                        &mailbox,
                        &folder_id,
                        &[i64::from(msg.uid)],
                        FlagChange::Add(&["\\Seen".to_string()]),
                    )
                    .await?;
                if let Some(e) = changed.first() {
                    flags = e.flags.clone();
                    modseq = e.modseq;
                    if let State::Selected { view, .. } = &mut self.session.state {
                        view.msgs[i].flags = flags.clone();
                        view.msgs[i].modseq = modseq;
                    }
                    add_flags = !items.contains(&FetchItem::Flags);
                }
            }
            let bytes = if needs_bytes {
                let read = if headers_suffice {
                    self.header_at(&mailbox, i).await?
                } else {
                    self.message_bytes(&mailbox, i).await?
                };
                match read {
                    Some(b) => Some(b),
                    // Expunged meanwhile elsewhere: nothing to send for it.
                    None => continue,
                }
            } else {
                None
            };
            let parsed = bytes
                .as_deref()
                .map(|b| MessageParser::default().parse(b).unwrap_or_default());
            let mut out: Vec<u8> = format!("* {} FETCH (", i + 1).into_bytes();
            let mut first = true;
            let mut gone = false;
            fn push(out: &mut Vec<u8>, first: &mut bool, piece: &[u8]) {
                if !*first {
                    out.push(b' ');
                }
                *first = false;
                out.extend_from_slice(piece);
            }
            for item in items.iter() {
                match item {
                    FetchItem::Flags => push(
                        &mut out,
                        &mut first,
                        format!("FLAGS ({})", flags.join(" ")).as_bytes(),
                    ),
                    FetchItem::Uid => {
                        push(&mut out, &mut first, format!("UID {}", msg.uid).as_bytes())
                    }
                    FetchItem::ModSeq => push(
                        &mut out,
                        &mut first,
                        format!("MODSEQ ({modseq})").as_bytes(),
                    ),
                    FetchItem::InternalDate => push(
                        &mut out,
                        &mut first,
                        format!("INTERNALDATE \"{}\"", internal_date(msg.received_at)).as_bytes(),
                    ),
                    FetchItem::Size => push(
                        &mut out,
                        &mut first,
                        format!("RFC822.SIZE {}", msg.size).as_bytes(),
                    ),
                    FetchItem::Envelope => {
                        let env = parsed.as_ref().map(fetch::envelope).unwrap_or_default();
                        push(&mut out, &mut first, format!("ENVELOPE {env}").as_bytes())
                    }
                    FetchItem::BodyStructure | FetchItem::Body => {
                        let ext = matches!(item, FetchItem::BodyStructure);
                        let bs = parsed
                            .as_ref()
                            .map(|m| fetch::body_structure(m, ext))
                            .unwrap_or_default();
                        let name = if ext { "BODYSTRUCTURE" } else { "BODY" };
                        push(&mut out, &mut first, format!("{name} {bs}").as_bytes())
                    }
                    FetchItem::Section {
                        section,
                        partial,
                        legacy,
                        ..
                    } if is_whole(item) && bytes.is_none() => {
                        let name = match legacy {
                            Some(n) => n.to_string(),
                            None => section_name(section, partial.map(|p| p.0)),
                        };
                        if !self
                            .stream_whole(&mailbox, i, &name, *partial, &mut out, first)
                            .await?
                        {
                            gone = true;
                            break;
                        }
                        first = false;
                    }
                    FetchItem::Section {
                        section,
                        partial,
                        legacy,
                        ..
                    } => {
                        let data = parsed
                            .as_ref()
                            .and_then(|m| fetch::section(m, section))
                            .unwrap_or_default();
                        let (data, origin) = match partial {
                            Some((start, len)) => {
                                let s = (*start as usize).min(data.len());
                                let e = (s + *len as usize).min(data.len());
                                (data[s..e].to_vec(), Some(*start))
                            }
                            None => (data, None),
                        };
                        let name = match legacy {
                            Some(n) => n.to_string(),
                            None => section_name(section, origin),
                        };
                        let mut piece = format!("{name} {{{}}}\r\n", data.len()).into_bytes();
                        piece.extend_from_slice(&data);
                        push(&mut out, &mut first, &piece);
                    }
                }
            }
            if gone {
                // Expunged elsewhere meanwhile: nothing more to send for it.
                continue;
            }
            if add_flags {
                push(
                    &mut out,
                    &mut first,
                    format!("FLAGS ({})", flags.join(" ")).as_bytes(),
                );
            }
            out.extend_from_slice(b")\r\n");
            self.queue(&out).await?;
        }
        self.ok(
            tag,
            "",
            if uid {
                "UID FETCH completed"
            } else {
                "FETCH completed"
            },
        )
        .await
    }

    /// Sends `out` so far, then `name {size}` and the message as delivered
    /// (or the `partial` window of it), chunk by chunk from the store, never
    /// whole in memory. False if the message is gone.
    async fn stream_whole(
        &mut self,
        mailbox: &str,
        index: usize,
        name: &str,
        partial: Option<(u64, u64)>,
        out: &mut Vec<u8>,
        first: bool,
    ) -> Result<bool, Failure> {
        let Some(entry) = self.entry_at(mailbox, index).await? else {
            return Ok(false);
        };
        let added = entry.delivery_headers.as_bytes().to_vec();
        let total = added.len() as u64 + u64::try_from(entry.blob.size).unwrap_or(0);
        let (start, end) = match partial {
            Some((s, l)) => (s.min(total), s.saturating_add(l).min(total)),
            None => (0, total),
        };
        if !first {
            out.push(b' ');
        }
        out.extend_from_slice(format!("{name} {{{}}}\r\n", end - start).as_bytes());
        // The part of `piece`, which starts at `at` in the message, that
        // falls in the window.
        let window = |piece: &[u8], at: u64, out: &mut Vec<u8>| {
            let b = at + piece.len() as u64;
            let (s, e) = (start.max(at), end.min(b));
            if s < e {
                out.extend_from_slice(&piece[(s - at) as usize..(e - at) as usize]);
            }
            b
        };
        let mut offset = window(&added, 0, out);
        for n in 0..entry.blob.parts() {
            if offset >= end {
                break;
            }
            let chunk = self.server.store.read_chunk(&entry.blob, n).await?;
            offset = window(&chunk, offset, out);
            if out.len() >= 256 * 1024 {
                self.send(out).await?;
                out.clear();
            }
        }
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    async fn store_flags(
        &mut self,
        tag: &str,
        set: &crate::sequence::SequenceSet,
        uid: bool,
        mode: StoreMode,
        silent: bool,
        flags: &[String],
        unchanged_since: Option<i64>,
    ) -> Result<(), Failure> {
        let indexes = self.resolve(set, uid)?;
        let Some((mailbox, folder, view)) = selection(&self.session.state, true)? else {
            return Ok(());
        };
        if unchanged_since.is_some() {
            self.session.condstore = true;
        }
        let mut modified = Vec::new();
        let mut uids = Vec::new();
        for &i in &indexes {
            let m = &view.msgs[i];
            if unchanged_since.is_some_and(|u| m.modseq > u) {
                modified.push(if uid { m.uid } else { i as u32 + 1 });
            } else {
                uids.push(i64::from(m.uid));
            }
        }
        let (mailbox, folder_id) = (mailbox.clone(), folder.id.clone());
        let change = match mode {
            StoreMode::Add => FlagChange::Add(flags),
            StoreMode::Remove => FlagChange::Remove(flags),
            StoreMode::Replace => FlagChange::Replace(flags),
        };
        let changed = self
            .server
            .store
            .change_flags(&mailbox, &folder_id, &uids, change)
            .await?;
        let condstore = self.session.condstore;
        let State::Selected { view, .. } = &mut self.session.state else {
            return Ok(());
        };
        let mut out = String::new();
        for e in changed {
            let Some(i) = view.msgs.iter().position(|m| i64::from(m.uid) == e.uid) else {
                continue;
            };
            view.msgs[i].flags = e.flags.clone();
            view.msgs[i].modseq = e.modseq;
            // With UNCHANGEDSINCE the new MODSEQ is sent even when silent
            // (RFC 7162 3.1.3).
            if !silent || unchanged_since.is_some() {
                let mut parts = Vec::new();
                if !silent {
                    parts.push(format!("FLAGS ({})", e.flags.join(" ")));
                }
                if uid {
                    parts.push(format!("UID {}", e.uid));
                }
                if condstore {
                    parts.push(format!("MODSEQ ({})", e.modseq));
                }
                out.push_str(&format!("* {} FETCH ({})\r\n", i + 1, parts.join(" ")));
            }
        }
        let done = if modified.is_empty() {
            "STORE completed".to_string()
        } else {
            let list: Vec<String> = modified.iter().map(u32::to_string).collect();
            format!(
                "[MODIFIED {}] Conditional STORE failed for some",
                list.join(",")
            )
        };
        self.ok(tag, &out, &done).await
    }

    /// Puts copies of `entries` (as listed) into `target`; their new UIDs.
    async fn copy_entries(
        &mut self,
        mailbox: &str,
        entries: &[MailboxEntry],
        target: &Folder,
    ) -> Result<Vec<i64>, Failure> {
        let mut uids = Vec::with_capacity(entries.len());
        for listed in entries {
            if let Some(copy) = self
                .server
                .store
                .copy_entry(mailbox, &listed.id, &target.id)
                .await?
            {
                uids.push(copy.uid);
            }
        }
        Ok(uids)
    }

    async fn copy(
        &mut self,
        tag: &str,
        set: &crate::sequence::SequenceSet,
        uid: bool,
        target: &str,
        moving: bool,
    ) -> Result<(), Failure> {
        let indexes = self.resolve(set, uid)?;
        let mailbox = self.mailbox();
        let target = match self.server.store.get_folder(&mailbox, target).await? {
            Some(f) => f,
            None => return Err(Failure::No("[TRYCREATE] No such folder".into())),
        };
        // COPY only reads the selected folder; MOVE changes it too.
        let Some((_, folder, view)) = selection(&self.session.state, moving)? else {
            return Ok(());
        };
        let source = folder.id.clone();
        let listed = self.server.store.list_folder(&mailbox, &source).await?;
        let wanted: Vec<u32> = indexes.iter().map(|&i| view.msgs[i].uid).collect();
        let entries: Vec<MailboxEntry> = listed
            .into_iter()
            .filter(|e| wanted.contains(&(u32::try_from(e.uid).unwrap_or(0))))
            .collect();
        let new_uids = self.copy_entries(&mailbox, &entries, &target).await?;
        let old: Vec<String> = entries.iter().map(|e| e.uid.to_string()).collect();
        let new: Vec<String> = new_uids.iter().map(i64::to_string).collect();
        let code = if entries.is_empty() {
            String::new()
        } else {
            format!(
                "[COPYUID {} {} {}] ",
                target.uidvalidity,
                old.join(","),
                new.join(",")
            )
        };
        if !moving {
            let same = target.id == source;
            if same {
                self.report_changes(false).await?;
            }
            return self.ok(tag, "", &format!("{code}COPY completed")).await;
        }
        if !code.is_empty() {
            self.send(format!("* OK {code}Moved\r\n").as_bytes())
                .await?;
        }
        let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        self.server.store.delete_entries(&mailbox, &ids).await?;
        self.report_changes(true).await?;
        self.ok(tag, "", "MOVE completed").await
    }

    async fn expunge(
        &mut self,
        tag: &str,
        uids: Option<&crate::sequence::SequenceSet>,
    ) -> Result<(), Failure> {
        let Some((mailbox, _, view)) = selection(&self.session.state, true)? else {
            return Ok(());
        };
        let largest = view.msgs.last().map_or(0, |m| m.uid);
        let ids: Vec<String> = view
            .msgs
            .iter()
            .filter(|m| m.has("\\Deleted"))
            .filter(|m| uids.is_none_or(|s| s.contains(m.uid, largest)))
            .map(|m| m.id.clone())
            .collect();
        let mailbox = mailbox.clone();
        if !ids.is_empty() {
            self.server.store.delete_entries(&mailbox, &ids).await?;
        }
        self.report_changes(true).await?;
        self.ok(tag, "", "EXPUNGE completed").await
    }

    async fn append(
        &mut self,
        tag: &str,
        name: &str,
        flags: Vec<String>,
        date: Option<&str>,
        message: Vec<u8>,
    ) -> Result<(), Failure> {
        let mailbox = self.mailbox();
        let Some(folder) = self.server.store.get_folder(&mailbox, name).await? else {
            return Err(Failure::No("[TRYCREATE] No such folder".into()));
        };
        if message.is_empty() {
            return Err(Failure::No("Empty message".into()));
        }
        let received_at = match date {
            Some(d) => parse_date_time(d).ok_or_else(|| Failure::No("Invalid date-time".into()))?,
            None => now_ms(),
        };
        let blob = self.server.store.put_blob(&message).await?;
        let mut entry =
            MailboxEntry::appended(&mailbox, &folder.id, blob, &message, received_at, flags);
        self.server.store.insert_entry(&mut entry).await?;
        let selected =
            matches!(&self.session.state, State::Selected { folder: f, .. } if f.id == folder.id);
        if selected {
            self.report_changes(false).await?;
        }
        self.ok(
            tag,
            "",
            &format!(
                "[APPENDUID {} {}] APPEND completed",
                folder.uidvalidity, entry.uid
            ),
        )
        .await
    }

    async fn search(
        &mut self,
        tag: &str,
        uid: bool,
        key: &crate::command::SearchKey,
    ) -> Result<(), Failure> {
        let State::Selected { mailbox, view, .. } = &self.session.state else {
            return Ok(());
        };
        let mailbox = mailbox.clone();
        let msgs = view.msgs.clone();
        let needs = search::needs_content(key);
        let needs_body = search::needs_body(key);
        let count = u32::try_from(msgs.len()).unwrap_or(u32::MAX);
        let largest_uid = msgs.last().map_or(0, |m| m.uid);
        let mut found = Vec::new();
        let mut highest = 0;
        for (i, m) in msgs.iter().enumerate() {
            let bytes = if needs_body {
                self.message_bytes(&mailbox, i).await?
            } else if needs {
                self.header_at(&mailbox, i).await?
            } else {
                None
            };
            if bytes
                .as_deref()
                .is_some_and(|b| !needs_body && search::ruled_out(key, b))
            {
                continue;
            }
            let parsed = bytes
                .as_deref()
                .and_then(|b| MessageParser::default().parse(b));
            let c = Candidate {
                seq: i as u32 + 1,
                count,
                largest_uid,
                msg: m,
                content: parsed.as_ref(),
            };
            if search::matches(key, &c) {
                found.push(if uid { m.uid } else { i as u32 + 1 });
                highest = highest.max(m.modseq);
            }
        }
        let mut line = String::from("* SEARCH");
        for n in &found {
            line.push(' ');
            line.push_str(&n.to_string());
        }
        if uses_modseq(key) && !found.is_empty() {
            line.push_str(&format!(" (MODSEQ {highest})"));
        }
        line.push_str("\r\n");
        self.ok(
            tag,
            &line,
            if uid {
                "UID SEARCH completed"
            } else {
                "SEARCH completed"
            },
        )
        .await
    }

    async fn idle(&mut self, tag: &str) -> Result<(), Failure> {
        self.send(b"+ idling\r\n").await?;
        let limit = self.server.settings.idle_timeout;
        let started = tokio::time::Instant::now();
        let mut tick = tokio::time::interval(IDLE_POLL);
        loop {
            let mut line = Vec::new();
            tokio::select! {
                read = read_line(&mut self.reader, &mut line, MAX_LINE) => {
                    match read? {
                        Line::Ok if line.trim_ascii().eq_ignore_ascii_case(b"DONE") => {
                            return self.ok(tag, "", "IDLE terminated").await;
                        }
                        Line::Eof => {
                            self.session.state = State::Logout;
                            return Ok(());
                        }
                        _ => {
                            self.session.error();
                            self.send(format!("{tag} BAD Expected DONE\r\n").as_bytes()).await?;
                            return Ok(());
                        }
                    }
                }
                _ = tick.tick() => {
                    if started.elapsed() >= limit {
                        self.send(b"* BYE Autologout; idle for too long\r\n").await?;
                        self.session.state = State::Logout;
                        return Ok(());
                    }
                    self.report_changes(true).await?;
                }
            }
        }
    }
}

/// Whether a FETCH item reads the message (BODY[] is streamed instead).
fn needs_message(item: &FetchItem) -> bool {
    !is_whole(item)
        && matches!(
            item,
            FetchItem::Envelope
                | FetchItem::BodyStructure
                | FetchItem::Body
                | FetchItem::Section { .. }
        )
}

/// Whether a FETCH item needs the header only.
fn header_only(item: &FetchItem) -> bool {
    use crate::command::SectionText as T;
    match item {
        FetchItem::Envelope => true,
        FetchItem::Section { section, .. } => {
            section.part.is_empty()
                && matches!(
                    section.text,
                    T::Header | T::HeaderFields(_) | T::HeaderFieldsNot(_)
                )
        }
        _ => false,
    }
}

/// BODY[] (or RFC822): the whole message, which is streamed.
fn is_whole(item: &FetchItem) -> bool {
    matches!(item, FetchItem::Section { section, .. }
        if section.part.is_empty() && section.text == crate::command::SectionText::Full)
}

/// The selected folder (its mailbox, the folder and the session's view of
/// it), or `None` when nothing is selected; `NO [READ-ONLY]` when the
/// command would `write` to a folder EXAMINE opened.
fn selection(state: &State, write: bool) -> Result<Option<(&String, &Folder, &View)>, Failure> {
    match state {
        State::Selected {
            read_only: true, ..
        } if write => Err(Failure::No("[READ-ONLY] Folder is read-only".into())),
        State::Selected {
            mailbox,
            folder,
            view,
            ..
        } => Ok(Some((mailbox, folder, view))),
        _ => Ok(None),
    }
}

/// Errors a command can end in.
enum Failure {
    Io(std::io::Error),
    Store(StoreError),
    /// A `NO` with this text.
    No(String),
    /// A `BAD` with this text.
    Bad(String),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

fn uses_modseq(key: &crate::command::SearchKey) -> bool {
    use crate::command::SearchKey as K;
    match key {
        K::ModSeq(_) => true,
        K::And(keys) => keys.iter().any(uses_modseq),
        K::Or(a, b) => uses_modseq(a) || uses_modseq(b),
        K::Not(k) => uses_modseq(k),
        _ => false,
    }
}

/// Untagged responses for what changed.
fn changes_text(changes: &Changes, view: &View, condstore: bool) -> String {
    let mut out = String::new();
    for n in &changes.expunged {
        out.push_str(&format!("* {n} EXPUNGE\r\n"));
    }
    if let Some(n) = changes.exists {
        out.push_str(&format!("* {n} EXISTS\r\n"));
    }
    for &i in &changes.flags {
        let m = &view.msgs[i];
        let modseq = if condstore {
            format!(" MODSEQ ({})", m.modseq)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "* {} FETCH (UID {} FLAGS ({}){modseq})\r\n",
            i + 1,
            m.uid,
            m.flags.join(" ")
        ));
    }
    out
}

fn section_name(section: &crate::command::Section, origin: Option<u64>) -> String {
    use crate::command::SectionText as T;
    let mut spec: Vec<String> = section.part.iter().map(u32::to_string).collect();
    match &section.text {
        T::Full => {}
        T::Header => spec.push("HEADER".into()),
        T::Text => spec.push("TEXT".into()),
        T::Mime => spec.push("MIME".into()),
        T::HeaderFields(f) => spec.push(format!("HEADER.FIELDS ({})", f.join(" "))),
        T::HeaderFieldsNot(f) => spec.push(format!("HEADER.FIELDS.NOT ({})", f.join(" "))),
    }
    let origin = origin.map(|o| format!("<{o}>")).unwrap_or_default();
    format!("BODY[{}]{origin}", spec.join("."))
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

/// INTERNALDATE form (RFC 9051 9: `date-time`), in UTC.
pub fn internal_date(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{d:02}-{}-{y} {:02}:{:02}:{:02} +0000",
        crate::command::MONTHS[(m - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The inverse of [`crate::command::days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// APPEND's `date-time` (`"01-Feb-2026 10:00:00 +0100"`) as milliseconds.
pub fn parse_date_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_once(' ')?;
    let (time, zone) = rest.trim().split_once(' ')?;
    let day = crate::command::parse_date(date).ok()?;
    let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let z: i64 = zone.get(1..5)?.parse().ok()?;
    let offset = sign * (z / 100 * 3600 + z % 100 * 60);
    Some(((day * 86_400) + h * 3600 + m * 60 + s - offset) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let ms = parse_date_time("01-Feb-2026 10:00:00 +0100").unwrap();
        assert_eq!(internal_date(ms), "01-Feb-2026 09:00:00 +0000");
        assert_eq!(internal_date(0), "01-Jan-1970 00:00:00 +0000");
        assert!(parse_date_time("01-Feb-2026 25:00:00 +0000").is_none());
        assert!(parse_date_time("01-Feb-2026").is_none());
    }

    #[test]
    fn tags_and_section_names() {
        assert_eq!(
            tag_and_name(b"a1 APPEND INBOX {5}\r\n"),
            Some(("a1".into(), "APPEND".into()))
        );
        assert_eq!(tag_of(b"\r\n"), None);
        let s = crate::command::Section {
            part: vec![1, 2],
            text: crate::command::SectionText::HeaderFields(vec!["FROM".into()]),
        };
        assert_eq!(
            section_name(&s, Some(5)),
            "BODY[1.2.HEADER.FIELDS (FROM)]<5>"
        );
    }
}
