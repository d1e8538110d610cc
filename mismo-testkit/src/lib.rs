//! Test support: a fresh `secantusd-rs` store per test, on a port of its own,
//! stopped when the test ends, so tests never share state or need a store
//! started by hand.
//!
//! With `MISMO_TEST_MONGODB_URI` set, tests run against that server instead
//! (a real MongoDB, say), each in a database of its own.

pub mod dns;
pub mod fuzz;
mod ports;
pub mod postfix;
pub mod service;
pub mod sink;

pub use ports::free_port;

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use mismo_core::config::StoreSettings;
use mismo_core::model::*;
use mismo_core::Store;

pub use mismo_core::service::SERVICES;

/// The workspace root, where `.venv` and `scripts/` live.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Python from the project's own environment (`.venv`, which
/// `scripts/store.sh install` makes, with Playwright, schemathesis, PyYAML
/// and the other test tools).
pub fn python() -> std::process::Command {
    std::process::Command::new(workspace_root().join(".venv/bin/python"))
}

/// Where a web app's browser test saves its screenshots
/// (`target/screenshots/APP`), made if missing.
pub fn screenshots(app: &str) -> PathBuf {
    let dir = workspace_root().join("target/screenshots").join(app);
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// Runs one of the suite's Playwright scripts (`script`, from the
/// workspace root) with `args`, and returns what it printed. It passes
/// when it exits 0 having printed `done`; otherwise this panics with its
/// output and the log of `service`, the app it drove.
pub fn run_browser_script(
    script: &str,
    args: &[String],
    done: &str,
    service: &service::Service,
) -> String {
    let output = python()
        .arg(workspace_root().join(script))
        .args(args)
        .output()
        .expect("python with playwright (scripts/store.sh install)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains(done),
        "{stdout}\n{stderr}\nservice log:\n{}",
        service.log_text()
    );
    stdout
}

/// A Mismo binary built beside the running test (`target/<profile>/NAME`;
/// the test itself runs from `target/<profile>/deps/`). `cargo test
/// --workspace`, as scripts/test.sh runs it, builds every binary first.
pub fn binary(name: &str) -> String {
    let exe = std::env::current_exe().expect("test executable");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory")
        .join(name);
    assert!(
        path.exists(),
        "{} missing: run `cargo build --workspace` (scripts/test.sh does)",
        path.display()
    );
    path.display().to_string()
}

/// Waits until something accepts TCP connections on `addr`.
pub fn wait_for_port(addr: SocketAddr, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

/// The store server's binary: `MISMO_STORE_BIN`, or the one
/// `scripts/store.sh` builds into its cache (built now if it is not there).
fn store_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("MISMO_STORE_BIN") {
        return bin.into();
    }
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // The script serialises concurrent installs with a lock file.
        let out = Command::new("bash")
            .arg(workspace_root().join("scripts/store.sh"))
            .arg("bin")
            .stderr(Stdio::inherit())
            .output()
            .expect("running scripts/store.sh bin");
        assert!(out.status.success(), "scripts/store.sh bin failed");
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
    .clone()
}

/// The loopback ports of [`TestStore::env_with_ports`].
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub smtp: u16,
    pub submission: u16,
    pub smtps: u16,
    pub status: u16,
    pub pop3: u16,
    pub pop3s: u16,
    pub imap: u16,
    pub imaps: u16,
    pub admin: u16,
    pub webmail: u16,
}

impl Ports {
    /// 127.0.0.1 at `port`.
    pub fn at(port: u16) -> SocketAddr {
        ([127, 0, 0, 1], port).into()
    }
}

/// A store server for one test.
pub struct TestStore {
    child: Option<Child>,
    dir: tempfile::TempDir,
    port: u16,
    pub settings: StoreSettings,
}

impl TestStore {
    /// Starts a fresh `secantusd-rs` (or picks a fresh database on the server
    /// named by `MISMO_TEST_MONGODB_URI`).
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = format!("mismo_test_{}", mismo_core::model::new_id().to_lowercase());
        if let Ok(uri) = std::env::var("MISMO_TEST_MONGODB_URI") {
            return Self {
                child: None,
                dir,
                port: 0,
                settings: StoreSettings {
                    uri,
                    database,
                    timeout: Duration::from_secs(10),
                },
            };
        }
        // A port of our own, not one the server picks: a restart must come
        // back on the same one, and a port in the ephemeral range could be
        // taken by an outgoing connection while the server is down.
        let port = free_port();
        let mut store = Self {
            child: None,
            dir,
            port,
            settings: StoreSettings {
                uri: format!("mongodb://127.0.0.1:{port}/?directConnection=true"),
                database,
                timeout: Duration::from_secs(10),
            },
        };
        store.spawn();
        store
    }

    fn spawn(&mut self) {
        let data = self.dir.path().join("store");
        std::fs::create_dir_all(&data).expect("store folder");
        let log_path = self.dir.path().join("store.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("store log");
        let mut cmd = Command::new(store_binary());
        cmd.args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .arg("--storage-path")
            .arg(&data)
            // A journaled write is on disk before it is acknowledged.
            .arg("--sync-on-commit")
            // Small caches and log files: tests run many stores at once (a
            // log file is allocated whole).
            .args(["--cache-size", "64M", "--log-file-max", "16MB"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("store log"))
            .stderr(log);
        #[cfg(target_os = "linux")]
        unsafe {
            use std::os::unix::process::CommandExt;
            // SAFETY: prctl is async-signal-safe; it makes the kernel end the
            // store if the test process dies without running destructors.
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().expect("starting secantusd-rs");
        let addr: SocketAddr = ([127, 0, 0, 1], self.port).into();
        if !wait_for_port(addr, Duration::from_secs(30)) {
            let _ = child.kill();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("secantusd-rs did not start on {addr}:\n{log}");
        }
        self.child = Some(child);
    }

    /// Connects a store handle and creates the schema.
    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.settings).await.expect("connect");
        store.ensure_schema().await.expect("schema");
        store
    }

    /// The environment a Mismo binary needs to use this store.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("MONGODB_URI".into(), self.settings.uri.clone()),
            ("MONGODB_DB".into(), self.settings.database.clone()),
            ("MONGODB_TIMEOUT".into(), "5s".into()),
            (
                "MISMO_DATA_DIR".into(),
                self.dir.path().join("mismo").display().to_string(),
            ),
        ]
    }

    /// [`TestStore::env`] plus every listener of every service on a
    /// loopback port of its own (so several instances never collide).
    pub fn env_with_ports(&self) -> (Vec<(String, String)>, Ports) {
        let ports = Ports {
            smtp: free_port(),
            submission: free_port(),
            smtps: free_port(),
            status: free_port(),
            pop3: free_port(),
            pop3s: free_port(),
            imap: free_port(),
            imaps: free_port(),
            admin: free_port(),
            webmail: free_port(),
        };
        let mut env = self.env();
        for (k, port) in [
            ("SMTP_LISTEN", ports.smtp),
            ("SMTP_SUBMISSION_LISTEN", ports.submission),
            ("SMTPS_LISTEN", ports.smtps),
            ("SMTP_STATUS_LISTEN", ports.status),
            ("POP3_LISTEN", ports.pop3),
            ("POP3S_LISTEN", ports.pop3s),
            ("IMAP_LISTEN", ports.imap),
            ("IMAPS_LISTEN", ports.imaps),
            ("ADMIN_LISTEN", ports.admin),
            ("WEBMAIL_LISTEN", ports.webmail),
        ] {
            env.push((k.into(), format!("127.0.0.1:{port}")));
        }
        (env, ports)
    }

    /// Whether this store is a local server that tests may stop and start.
    pub fn is_embedded(&self) -> bool {
        self.port != 0
    }

    /// Stops the server (the data stays), as a crash or an outage would.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and data.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Queues a message as an smtp-engine would (CRLF line ends, parsed summary).
pub async fn enqueue(store: &mismo_core::Store, from: &str, rcpts: &[&str], body: &str) -> String {
    enqueue_raw(store, from, rcpts, &crlf(body)).await
}

/// `text` with CRLF line ends, as an smtp-engine stores it.
fn crlf(text: &str) -> Vec<u8> {
    text.replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes()
}

/// Queues a message as submission would after `login` authenticated.
pub async fn enqueue_submitted(
    store: &mismo_core::Store,
    login: &str,
    from: &str,
    rcpts: &[&str],
    body: &str,
) -> String {
    let origin = mismo_core::model::Origin {
        listener: "submission".into(),
        auth_user: Some(login.into()),
        ..mismo_core::model::Origin::default()
    };
    enqueue_from(store, origin, from, rcpts, &crlf(body), false).await
}

/// Queues a message whose client sent `MAIL ... SMTPUTF8`.
pub async fn enqueue_smtputf8(
    store: &mismo_core::Store,
    from: &str,
    rcpts: &[&str],
    body: &str,
) -> String {
    let origin = mismo_core::model::Origin {
        listener: "test".into(),
        ..mismo_core::model::Origin::default()
    };
    enqueue_from(store, origin, from, rcpts, &crlf(body), true).await
}

/// Queues these exact bytes (bare CR or LF and all, as BDAT would keep
/// them); returns the queue id.
pub async fn enqueue_raw(
    store: &mismo_core::Store,
    from: &str,
    rcpts: &[&str],
    raw: &[u8],
) -> String {
    let origin = mismo_core::model::Origin {
        listener: "test".into(),
        ..mismo_core::model::Origin::default()
    };
    enqueue_from(store, origin, from, rcpts, raw, false).await
}

async fn enqueue_from(
    store: &mismo_core::Store,
    origin: mismo_core::model::Origin,
    from: &str,
    rcpts: &[&str],
    raw: &[u8],
    smtputf8: bool,
) -> String {
    let new = NewMessage {
        id: new_id(),
        mail_from: from.into(),
        recipients: rcpts
            .iter()
            .map(|r| Recipient::pending(r.to_string(), None, None))
            .collect(),
        origin,
        dsn: DsnRequest::default(),
        smtputf8,
    };
    store.enqueue_new(new, raw).await.unwrap().id
}

/// Puts a message straight into a mailbox, as a qprocessor would; returns its
/// entry (the UIDL is its id).
pub async fn deliver(store: &mismo_core::Store, mailbox: &str, raw: &[u8]) -> MailboxEntry {
    let blob = store.put_blob(raw).await.unwrap();
    let mut entry = MailboxEntry::appended(
        mailbox,
        &Folder::inbox_id(mailbox),
        blob,
        raw,
        now_ms(),
        vec![],
    );
    // Delivered, as far as a reader can tell: it came through a queue.
    entry.queue_id = new_id();
    store.insert_entry(&mut entry).await.unwrap();
    entry
}

/// Perl's Mail::SRS with `key`: `forward` (`address` rewritten for
/// `alias_domain`) or `reverse` (the original sender behind `address`).
/// Panics with Mail::SRS's reason when it refuses.
pub fn mail_srs(mode: &str, key: &[u8], address: &str, alias_domain: &str) -> String {
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let out = std::process::Command::new("perl")
        .arg(workspace_root().join("mismo-testkit/perl/srs.pl"))
        .args([mode, &hex, address, alias_domain])
        .output()
        .expect("perl with Mail::SRS (package libmail-srs-perl)");
    assert!(
        out.status.success(),
        "Mail::SRS {mode} {address}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
