//! What every imapd test starts with: a store, a mailbox and imapd.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use mismo_core::admin::Admin;
use mismo_core::Store;
use mismo_testkit::service::Service;
use mismo_testkit::{free_port, TestStore};

pub const ZOE: &str = "zoe@example.org";
pub const PASSWORD: &str = "zoe's long password";

pub struct Imap {
    pub server: TestStore,
    pub store: Store,
    pub service: Service,
    pub plain: u16,
    pub tls: u16,
}

pub async fn start() -> Imap {
    start_with(&[]).await
}

/// [`start`], with more settings for imapd.
pub async fn start_with(extra: &[(&str, &str)]) -> Imap {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin.add_mailbox(ZOE, PASSWORD, 0).await.unwrap();
    let (plain, tls) = (free_port(), free_port());
    let mut env = server.env();
    env.push(("IMAP_LISTEN".into(), format!("127.0.0.1:{plain}")));
    env.push(("IMAPS_LISTEN".into(), format!("127.0.0.1:{tls}")));
    env.push(("MISMO_HOSTNAME".into(), "imap.example.org".into()));
    for (k, v) in extra {
        env.push((k.to_string(), v.to_string()));
    }
    let service = Service::start(
        env!("CARGO_BIN_EXE_imapd"),
        &env,
        server.data_dir(),
        ([127, 0, 0, 1], tls).into(),
    );
    Imap {
        server,
        store,
        service,
        plain,
        tls,
    }
}

impl Imap {
    /// The self-signed certificate imapd made, for clients to trust.
    pub fn certificate(&self) -> PathBuf {
        self.server
            .data_dir()
            .join("mismo/tls/self-signed-cert.pem")
    }

    /// Runs a client; on failure, says what it printed and what imapd
    /// logged.
    pub fn run(&self, mut cmd: Command) -> String {
        let out = cmd.output().expect("client");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{cmd:?}: {stdout}{}\nimapd's log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.service.log_text()
        );
        stdout
    }

    /// tests/py/SCRIPT with `args`.
    pub fn python(&self, script: &str, args: &[String]) -> String {
        let mut cmd = Command::new("python3");
        cmd.arg(format!("{}/tests/py/{script}", env!("CARGO_MANIFEST_DIR")))
            .args(args);
        self.run(cmd)
    }
}
