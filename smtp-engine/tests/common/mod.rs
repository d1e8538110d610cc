//! A running smtp-engine on a fresh store, with a few domains and mailboxes.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::process::{Command, Output};

use mismo_core::admin::Admin;
use mismo_core::model::{Activation, QueuedMessage};
use mismo_core::Store;
use mismo_testkit::service::Service;
use mismo_testkit::{free_port, TestStore};

pub const ZOE_PASSWORD: &str = "zoe's long password";

pub struct Engine {
    pub server: TestStore,
    pub store: Store,
    pub service: Service,
    pub mx: SocketAddr,
    pub submission: SocketAddr,
    pub smtps: SocketAddr,
    pub status: SocketAddr,
    /// What the engine was started with.
    pub env: Vec<(String, String)>,
}

fn addr() -> SocketAddr {
    ([127, 0, 0, 1], free_port()).into()
}

/// Seeds example.org (zoe, bob, disabled "off", aliases info -> zoe, sales -> zoe,
/// catch-all on catch.test) and closed.test (disabled), then starts the engine.
pub async fn start(extra_env: &[(&str, &str)]) -> Engine {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin
        .add_mailbox("zoe@example.org", ZOE_PASSWORD, 0)
        .await
        .unwrap();
    admin
        .add_mailbox("bob@example.org", "bob's long password", 0)
        .await
        .unwrap();
    admin
        .add_mailbox("off@example.org", "off's long password", 0)
        .await
        .unwrap();
    admin
        .set_mailbox_state("off@example.org", Activation::Disabled)
        .await
        .unwrap();
    admin
        .add_alias("info@example.org", &["zoe@example.org".into()])
        .await
        .unwrap();
    admin
        .add_alias("sales@example.org", &["zoe@example.org".into()])
        .await
        .unwrap();
    admin.add_domain("catch.test").await.unwrap();
    admin
        .add_alias("@catch.test", &["zoe@example.org".into()])
        .await
        .unwrap();
    admin.add_domain("closed.test").await.unwrap();
    admin
        .add_mailbox("x@closed.test", "x's long password", 0)
        .await
        .unwrap();
    admin
        .set_domain_state("closed.test", Activation::Disabled)
        .await
        .unwrap();

    let (mx, submission, smtps, status) = (addr(), addr(), addr(), addr());
    let mut env = server.env();
    for (k, v) in [
        ("SMTP_LISTEN", mx.to_string()),
        ("SMTP_SUBMISSION_LISTEN", submission.to_string()),
        ("SMTPS_LISTEN", smtps.to_string()),
        ("SMTP_STATUS_LISTEN", status.to_string()),
        ("MISMO_HOSTNAME", "mx.example.org".to_string()),
    ] {
        env.push((k.into(), v));
    }
    for (k, v) in extra_env {
        env.retain(|(key, _)| key != k);
        env.push((k.to_string(), v.to_string()));
    }
    let service = Service::start(
        env!("CARGO_BIN_EXE_smtp-engine"),
        &env,
        server.data_dir(),
        status,
    );
    mismo_testkit::wait_for_port(mx, std::time::Duration::from_secs(10));
    Engine {
        server,
        store,
        service,
        mx,
        submission,
        smtps,
        status,
        env,
    }
}

impl Engine {
    /// Starts a second engine on the same store with the same settings, on
    /// ports of its own; returns it with its submission address.
    pub fn another(&self) -> (Service, SocketAddr) {
        let submission = addr();
        let status = addr();
        let mut env = self.env.clone();
        for (k, v) in [
            ("SMTP_LISTEN", addr()),
            ("SMTP_SUBMISSION_LISTEN", submission),
            ("SMTPS_LISTEN", addr()),
            ("SMTP_STATUS_LISTEN", status),
        ] {
            env.retain(|(key, _)| key != k);
            env.push((k.into(), v.to_string()));
        }
        let service = Service::start(
            env!("CARGO_BIN_EXE_smtp-engine"),
            &env,
            self.server.data_dir(),
            status,
        );
        mismo_testkit::wait_for_port(submission, std::time::Duration::from_secs(10));
        (service, submission)
    }

    /// Runs swaks against the engine; exit code and transcript.
    pub fn swaks(&self, args: &[&str]) -> (i32, String) {
        let out = Command::new("swaks")
            .args(["--timeout", "30", "--helo", "client.far.test"])
            .args(args)
            .output()
            .expect("swaks (Debian package swaks) runs");
        transcript(out)
    }

    /// Runs one of the Python scripts in tests/py with the given arguments.
    pub fn python(&self, script: &str, args: &[&str]) -> (i32, String) {
        let path = format!("{}/tests/py/{script}", env!("CARGO_MANIFEST_DIR"));
        let out = Command::new("python3")
            .arg(path)
            .args(args)
            .output()
            .expect("python3 runs");
        transcript(out)
    }

    pub async fn queued(&self) -> Vec<QueuedMessage> {
        self.store.list_queued(None, 100_000).await.unwrap()
    }

    pub async fn queued_one(&self, id: &str) -> QueuedMessage {
        self.store
            .get_queued(id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{id} not in the store"))
    }

    pub async fn raw(&self, id: &str) -> Vec<u8> {
        let msg = self.queued_one(id).await;
        self.store.get_blob(&msg.blob).await.unwrap()
    }
}

fn transcript(out: Output) -> (i32, String) {
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// The queue id from a `250 2.0.0 Ok: queued as ID` line.
pub fn queue_id(transcript: &str) -> String {
    transcript
        .lines()
        .find_map(|l| l.split("queued as ").nth(1))
        .map(|id| id.trim().to_string())
        .unwrap_or_else(|| panic!("no queue id in:\n{transcript}"))
}

/// The stored message without the Received header the engine put on top.
pub fn strip_received(raw: &[u8]) -> &[u8] {
    assert!(
        raw.starts_with(b"Received: from "),
        "no Received header first"
    );
    // The header ends at the first CRLF not followed by a folding blank.
    let mut i = 0;
    while let Some(pos) = raw[i..].windows(2).position(|w| w == b"\r\n") {
        let end = i + pos + 2;
        if !matches!(raw.get(end), Some(b' ' | b'\t')) {
            return &raw[end..];
        }
        i = end;
    }
    panic!("unterminated Received header")
}
