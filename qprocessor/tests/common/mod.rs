//! A store, BIND9 serving test zones, smtp-sink hosts as remote MXs, and
//! qprocessors started on demand.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use mismo_core::admin::Admin;
use mismo_core::model::{MailboxEntry, QueueState, QueuedMessage};
use mismo_core::Store;
use mismo_testkit::dns::Bind9;
use mismo_testkit::service::Service;
use mismo_testkit::sink::Sink;
use mismo_testkit::{free_port, TestStore};

pub struct World {
    pub server: TestStore,
    pub store: Store,
    pub dns: Bind9,
    pub port: u16,
    pub sinks: Vec<(String, Sink)>,
    pub workers: Vec<Service>,
}

/// Remote MX hosts of the test zones:
/// far.test: MX 10 mx1 (127.0.0.2), MX 20 mx2 (127.0.0.3);
/// nomx.test: no MX, A 127.0.0.3; nullmx.test: null MX;
/// bad.test: MX 10 -> 127.0.0.4; later.test: MX 10 -> 127.0.0.5.
fn zones() -> Vec<(&'static str, Vec<String>)> {
    let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (
            "far.test",
            lines(&[
                "@ MX 10 mx1",
                "@ MX 20 mx2",
                "mx1 A 127.0.0.2",
                "mx2 A 127.0.0.3",
            ]),
        ),
        ("nomx.test", lines(&["@ A 127.0.0.3"])),
        ("nullmx.test", lines(&["@ MX 0 ."])),
        ("bad.test", lines(&["@ MX 10 mx", "mx A 127.0.0.4"])),
        ("later.test", lines(&["@ MX 10 mx", "mx A 127.0.0.5"])),
    ]
}

/// `sinks`: (ip, smtp-sink options) for each remote host to run.
pub async fn world(sinks: &[(&str, &[&str])]) -> World {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    for user in ["zoe", "bob"] {
        admin
            .add_mailbox(&format!("{user}@example.org"), "a long password", 0)
            .await
            .unwrap();
    }
    admin
        .add_mailbox("tiny@example.org", "a long password", 100)
        .await
        .unwrap();
    admin
        .add_alias(
            "team@example.org",
            &["zoe@example.org".into(), "bob@example.org".into()],
        )
        .await
        .unwrap();
    admin
        .add_alias("chain@example.org", &["team@example.org".into()])
        .await
        .unwrap();
    admin
        .add_alias("loop1@example.org", &["loop2@example.org".into()])
        .await
        .unwrap();
    admin
        .add_alias("loop2@example.org", &["loop1@example.org".into()])
        .await
        .unwrap();
    admin
        .add_alias("fwd@example.org", &["friend@nomx.test".into()])
        .await
        .unwrap();
    admin.add_domain("catch.test").await.unwrap();
    admin
        .add_alias("@catch.test", &["bob@example.org".into()])
        .await
        .unwrap();

    let zones = zones();
    let refs: Vec<(&str, &[String])> = zones.iter().map(|(z, r)| (*z, r.as_slice())).collect();
    let dns = Bind9::start(&refs);
    let port = free_port();
    let sinks = sinks
        .iter()
        .map(|(ip, opts)| {
            (
                ip.to_string(),
                Sink::start(format!("{ip}:{port}").parse().unwrap(), opts),
            )
        })
        .collect();
    World {
        server,
        store,
        dns,
        port,
        sinks,
        workers: Vec::new(),
    }
}

impl World {
    pub fn env(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = self.server.env();
        for (k, v) in [
            ("DNS_RESOLVER", self.dns.addr().to_string()),
            ("RELAY_PORT", self.port.to_string()),
            ("RETRY_SCHEDULE", "1s".to_string()),
            ("QUEUE_CYCLE_PERIOD", "1".to_string()),
            ("MISMO_HOSTNAME", "mx.example.org".to_string()),
        ] {
            env.push((k.into(), v));
        }
        for (k, v) in extra {
            env.retain(|(key, _)| key != k);
            env.push((k.to_string(), v.to_string()));
        }
        env
    }

    /// Starts one more qprocessor.
    pub fn start_worker(&mut self, extra: &[(&str, &str)]) {
        let env = self.env(extra);
        let svc = Service::spawn(
            env!("CARGO_BIN_EXE_qprocessor"),
            &env,
            self.server.data_dir(),
        );
        self.workers.push(svc);
    }

    /// Replaces the host at `ip` with an smtp-sink started with `opts`
    /// (a host that recovers, say).
    pub fn restart_sink(&mut self, ip: &str, opts: &[&str]) {
        self.sinks.retain(|(i, _)| i != ip);
        let addr = format!("{ip}:{}", self.port).parse().unwrap();
        self.sinks.push((ip.to_string(), Sink::start(addr, opts)));
    }

    pub fn sink(&self, ip: &str) -> &Sink {
        &self.sinks.iter().find(|(i, _)| i == ip).expect("sink").1
    }

    pub fn logs(&self) -> String {
        self.workers
            .iter()
            .map(|w| w.log_text())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Queues a message as an smtp-engine would.
    pub async fn enqueue(&self, from: &str, rcpts: &[&str], body: &str) -> String {
        mismo_testkit::enqueue(&self.store, from, rcpts, body).await
    }

    /// Waits until the message is in a final state, or panics with the logs.
    pub async fn wait_final(&self, id: &str) -> QueuedMessage {
        self.wait(id, |m| {
            matches!(m.state, QueueState::Delivered | QueueState::Failed)
        })
        .await
    }

    pub async fn wait(&self, id: &str, done: impl Fn(&QueuedMessage) -> bool) -> QueuedMessage {
        let start = Instant::now();
        loop {
            if let Some(m) = self.store.get_queued(id).await.unwrap() {
                if done(&m) {
                    return m;
                }
                if start.elapsed() > Duration::from_secs(60) {
                    panic!(
                        "{id} stuck in {:?}: {:?}\n{}",
                        m.state,
                        m.recipients,
                        self.logs()
                    );
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn entries(&self, mailbox: &str) -> Vec<(MailboxEntry, String)> {
        let mut out = Vec::new();
        for e in self.store.list_entries(mailbox).await.unwrap() {
            let blob = self.store.readable_blob(&e).await.unwrap().unwrap();
            let bytes = self.store.get_blob(&blob).await.unwrap();
            out.push((e, String::from_utf8_lossy(&bytes).into_owned()));
        }
        out
    }

    /// The text of the first message in `mailbox`, once there is one.
    pub async fn wait_entry(&self, mailbox: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some((_, text)) = self.entries(mailbox).await.into_iter().next() {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "nothing in {mailbox}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The DKIM TXT record of a local domain: (name, value).
    pub async fn dkim_record(&self, domain: &str) -> (String, String) {
        let key = self
            .store
            .get_dkim_key(domain)
            .await
            .unwrap()
            .expect("key stored");
        key.txt_record()
    }

    /// Checks with dkimpy that `message` carries a signature that verifies
    /// against the TXT record `value`.
    pub fn assert_dkim_verifies(&self, message: &str, value: &str) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("signed.eml"), message).unwrap();
        std::fs::write(dir.path().join("key.txt"), value).unwrap();
        let out = mismo_testkit::python()
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/py/dkim_verify.py"
            ))
            .arg(dir.path().join("signed.eml"))
            .arg(dir.path().join("key.txt"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && text.contains("DKIM OK"),
            "{text}\n{message}"
        );
    }
}
