//! Commands tried at the session level, with no socket: a connection over
//! an in-memory pipe, against a real store with one mailbox.

use std::sync::Arc;
use std::time::Duration;

use mismo_core::admin::Admin;
use mismo_core::config::{Env, FromEnv, ImapSettings};
use mismo_core::model::MailboxEntry;
use mismo_core::Store;
use mismo_testkit::TestStore;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};

use crate::connection::Connection;
use crate::server::Server;

pub const ZOE: &str = "zoe@example.org";
pub const PASSWORD: &str = "zoe's long password";
/// A guard against a hung test, not a measure of speed.
const WAIT: Duration = Duration::from_secs(60);

pub struct Client {
    pub store: Store,
    pub server: Arc<Server>,
    io: BufReader<DuplexStream>,
    _store_server: Arc<TestStore>,
}

impl Client {
    /// A store with zoe's mailbox, and a session whose greeting was read.
    pub async fn start() -> Self {
        Self::start_with_login_timeout(crate::LOGIN_TIMEOUT).await
    }

    /// [`Client::start`], with sessions that have not logged in closed
    /// after `login_timeout`.
    pub async fn start_with_login_timeout(login_timeout: Duration) -> Self {
        // The process looks often, so a test waits little for a change.
        Self::start_with(login_timeout, Duration::from_millis(20)).await
    }

    /// A session whose server compares its sessions' mailboxes with the
    /// store's only every `recheck`.
    pub async fn start_with(login_timeout: Duration, recheck: Duration) -> Self {
        let store_server = TestStore::start();
        let store = store_server.store().await;
        let admin = Admin::new(&store);
        admin.add_domain("example.org").await.unwrap();
        admin.add_mailbox(ZOE, PASSWORD, 0).await.unwrap();
        let mut env = store_server.env();
        env.push(("IMAP_ALLOW_PLAINTEXT_AUTH".into(), "true".into()));
        env.push(("MISMO_HOSTNAME".into(), "imap.example.org".into()));
        let settings = ImapSettings::from_env(&Env::from_pairs(env)).unwrap();
        let server = Arc::new(Server {
            settings,
            store: store.clone(),
            // Quick, so a test waits little for what another session did.
            folders: crate::watch::FolderWatch::start(store.clone(), Duration::from_millis(20)),
            tls: None,
            headers: Default::default(),
            max_message_size: crate::MAX_APPEND,
            login_timeout,
            mailboxes: mismo_core::session_check::MailboxWatch::start(store.clone(), recheck),
        });
        Self::connect(&server, Arc::new(store_server)).await
    }

    /// Waits until the process's folder watch has looked at the store
    /// since now: a change made elsewhere is then told at the next NOOP.
    pub async fn settle(&self) {
        self.server.folders.looked().await;
        self.server.mailboxes.looked().await;
    }

    /// A connection of its own to the same store, as another process has.
    pub async fn another_process_store(&self) -> Store {
        self._store_server.store().await
    }

    /// Another session on the same server and store.
    pub async fn another(&self) -> Client {
        Self::connect(&self.server, self._store_server.clone()).await
    }

    async fn connect(server: &Arc<Server>, store_server: Arc<TestStore>) -> Client {
        let (ours, theirs) = tokio::io::duplex(1 << 20);
        let peer = ([127, 0, 0, 1], 40000).into();
        tokio::spawn(Connection::new(server.clone(), Box::new(theirs), peer, false).run());
        let mut client = Client {
            store: server.store.clone(),
            server: server.clone(),
            io: BufReader::new(ours),
            _store_server: store_server,
        };
        let greeting = client.line().await;
        assert!(greeting.starts_with("* OK [CAPABILITY "), "{greeting}");
        client
    }

    /// One line from the server, CRLF included ("" at the end).
    pub async fn line(&mut self) -> String {
        let mut line = Vec::new();
        tokio::time::timeout(WAIT, self.io.read_until(b'\n', &mut line))
            .await
            .expect("a reply in time")
            .unwrap();
        String::from_utf8_lossy(&line).into_owned()
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.io.get_mut().write_all(bytes).await.unwrap();
    }

    /// Sends one command line (`tag ...`) and reads up to its tagged reply.
    pub async fn run(&mut self, line: &str) -> String {
        self.send(format!("{line}\r\n").as_bytes()).await;
        let tag = line.split(' ').next().unwrap().to_string();
        self.until_tagged(&tag).await
    }

    /// Everything up to and including the line tagged `tag`.
    pub async fn until_tagged(&mut self, tag: &str) -> String {
        let mut out = String::new();
        loop {
            let line = self.line().await;
            assert!(!line.is_empty(), "closed before {tag} completed: {out}");
            out.push_str(&line);
            if line.starts_with(&format!("{tag} ")) {
                return out;
            }
        }
    }

    /// `tag APPEND folder{flags} {n}` and the message once invited.
    pub async fn append(&mut self, tag: &str, folder: &str, raw: &str) -> String {
        self.send(format!("{tag} APPEND {folder} {{{}}}\r\n", raw.len()).as_bytes())
            .await;
        let go = self.line().await;
        if !go.starts_with('+') {
            return go;
        }
        self.send(format!("{raw}\r\n").as_bytes()).await;
        self.until_tagged(tag).await
    }

    /// [`Client::start`], logged in as zoe.
    pub async fn signed_in() -> Self {
        let mut c = Self::start().await;
        c.login().await;
        c
    }

    /// `tag SELECT INBOX (CONDSTORE)`; the folder's HIGHESTMODSEQ.
    pub async fn select_condstore(&mut self, tag: &str) -> i64 {
        let select = self.run(&format!("{tag} SELECT INBOX (CONDSTORE)")).await;
        select
            .split("[HIGHESTMODSEQ ")
            .nth(1)
            .and_then(|r| r.split(']').next())
            .and_then(|m| m.parse().ok())
            .unwrap_or_else(|| panic!("no HIGHESTMODSEQ: {select}"))
    }

    pub async fn login(&mut self) {
        let reply = self.run(&format!("l0 LOGIN {ZOE} \"{PASSWORD}\"")).await;
        assert!(reply.starts_with("l0 OK [CAPABILITY "), "{reply}");
    }

    /// Sets zoe's quota (0: none).
    pub async fn set_quota(&self, bytes: i64) {
        Admin::new(&self.store)
            .set_mailbox_details(ZOE, bytes, "")
            .await
            .unwrap();
    }

    /// A message filed into zoe's INBOX as delivery files it.
    pub async fn deliver(&self, raw: &str) -> MailboxEntry {
        mismo_testkit::deliver(&self.store, ZOE, raw.as_bytes()).await
    }

    /// Whether the server has closed the session.
    pub async fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        tokio::time::timeout(WAIT, self.io.read_to_end(&mut rest))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}
