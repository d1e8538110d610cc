//! The cluster scaled out on one machine and one store: two smtp-engines,
//! three qprocessors, two pop3d and two imapd. Mail sent through both
//! engines is delivered exactly once, reads the same through either pop3d
//! and either imapd, and a qprocessor killed mid-run loses nothing.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mismo_core::admin::Admin;
use mismo_testkit::service::Service;
use mismo_testkit::{binary, Ports, TestStore};

const MESSAGES: usize = 300;
const MAILBOXES: usize = 20;
const PASSWORD: &str = "a long enough password";

fn script() -> String {
    format!("{}/tests/py/scale_out.py", env!("CARGO_MANIFEST_DIR"))
}

/// One node's settings: its own ports and name, the shared store.
fn node_env(server: &TestStore, hostname: &str) -> (Vec<(String, String)>, Ports) {
    let (mut env, ports) = server.env_with_ports();
    env.extend(
        [
            ("MISMO_HOSTNAME", hostname),
            ("QUEUE_CYCLE_PERIOD", "1"),
            // A killed processor's claims are due again this soon.
            ("QUEUE_LEASE", "3s"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    (env, ports)
}

fn delivered(counts: &[(String, i64)]) -> i64 {
    counts
        .iter()
        .find(|(s, _)| s == "DELIVERED")
        .map_or(0, |(_, n)| *n)
}

#[tokio::test]
async fn two_engines_three_processors_two_readers_each_message_once() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("so.test").await.unwrap();
    for n in 0..MAILBOXES {
        admin
            .add_mailbox(&format!("u{n}@so.test"), PASSWORD, 0)
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let dir: &Path = dir.path();
    let start = |name: &str, n: usize, ready: fn(&Ports) -> u16| {
        let (env, ports) = node_env(&server, &format!("{name}{n}.so.test"));
        let service = Service::start(&binary(name), &env, dir, Ports::at(ready(&ports)));
        (service, ports)
    };
    let engines = [1, 2].map(|n| start("smtp-engine", n, |p| p.smtp));
    let pop3 = [1, 2].map(|n| start("pop3d", n, |p| p.pop3s));
    let imap = [1, 2].map(|n| start("imapd", n, |p| p.imaps));
    let mut processors: Vec<Service> = (1..=3)
        .map(|n| {
            let env = node_env(&server, &format!("qprocessor{n}.so.test")).0;
            Service::spawn(&binary("qprocessor"), &env, dir)
        })
        .collect();

    // Mail through both engines; one processor is killed while it flows.
    let sender = Command::new("python3")
        .arg(script())
        .args([
            "send",
            &engines[0].1.smtp.to_string(),
            &engines[1].1.smtp.to_string(),
        ])
        .args([MESSAGES.to_string(), MAILBOXES.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while delivered(&store.queue_counts().await.unwrap()) < (MESSAGES / 4) as i64 {
        assert!(Instant::now() < deadline, "nothing delivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    processors[0].signal(libc::SIGKILL);
    processors[0].wait(Duration::from_secs(5)).expect("killed");
    let sent = sender.wait_with_output().unwrap();
    assert!(
        sent.status.success(),
        "{}{}",
        String::from_utf8_lossy(&sent.stdout),
        String::from_utf8_lossy(&sent.stderr)
    );
    loop {
        let counts = store.queue_counts().await.unwrap();
        if delivered(&counts) == MESSAGES as i64 {
            break;
        }
        assert!(Instant::now() < deadline, "not all delivered: {counts:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Every message in each of its two mailboxes once, read through both
    // pop3d and both imapd.
    let read = Command::new("python3")
        .arg(script())
        .args([
            "read",
            &pop3[0].1.pop3s.to_string(),
            &pop3[1].1.pop3s.to_string(),
        ])
        .args([imap[0].1.imaps.to_string(), imap[1].1.imaps.to_string()])
        .args([MAILBOXES.to_string(), PASSWORD.to_string()])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&read.stdout).into_owned();
    assert!(
        read.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let found: HashMap<String, Vec<usize>> = serde_json::from_str(&out).unwrap();
    let mut copies = 0;
    for n in 0..MAILBOXES {
        let mut seqs = found[&format!("u{n}")].clone();
        seqs.sort();
        let want: Vec<usize> = (0..MESSAGES)
            .filter(|s| s % MAILBOXES == n || (s + 7) % MAILBOXES == n)
            .collect();
        assert_eq!(seqs, want, "u{n}: each of its messages exactly once");
        copies += seqs.len();
    }
    let engines_used: Vec<String> = {
        let mut e: Vec<String> = store
            .list_queued(None, MESSAGES as i64)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.origin.engine)
            .collect();
        e.sort();
        e.dedup();
        e
    };
    assert_eq!(engines_used.len(), 2, "both engines took mail");
    println!(
        "{MESSAGES} messages through 2 engines, {copies} copies in {MAILBOXES} mailboxes, \
         each exactly once, with one of 3 qprocessors killed mid-run; read through 2 pop3d \
         and 2 imapd ({engines_used:?})"
    );
    for (service, _) in engines.iter().chain(&pop3).chain(&imap) {
        assert!(
            !service.log_text().contains("ERROR"),
            "{}",
            service.log_text()
        );
    }
}
