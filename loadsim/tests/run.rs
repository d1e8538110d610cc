//! The load simulator against a real cluster on the embedded store: a
//! short run with a few clients sends, delivers and reads back every copy
//! intact, and prints its table and plot; a run whose clients cannot log
//! in fails and says so.

use std::path::Path;
use std::process::{Command, Output};

use mismo_testkit::service::Service;
use mismo_testkit::{binary, Ports, TestStore};

struct Cluster {
    server: TestStore,
    ports: Ports,
    services: Vec<(&'static str, Service)>,
    _dir: tempfile::TempDir,
}

fn cluster() -> Cluster {
    let server = TestStore::start();
    let (mut env, ports) = server.env_with_ports();
    env.extend(
        [
            ("QUEUE_CYCLE_PERIOD", "1"),
            ("POP3_ALLOW_PLAINTEXT_AUTH", "yes"),
            ("IMAP_ALLOW_PLAINTEXT_AUTH", "yes"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let dir = tempfile::tempdir().unwrap();
    let d: &Path = dir.path();
    let services = vec![
        (
            "smtp-engine",
            Service::start(&binary("smtp-engine"), &env, d, Ports::at(ports.submission)),
        ),
        ("qprocessor", Service::spawn(&binary("qprocessor"), &env, d)),
        (
            "pop3d",
            Service::start(&binary("pop3d"), &env, d, Ports::at(ports.pop3)),
        ),
        (
            "imapd",
            Service::start(&binary("imapd"), &env, d, Ports::at(ports.imap)),
        ),
    ];
    Cluster {
        server,
        ports,
        services,
        _dir: dir,
    }
}

fn loadsim(c: &Cluster, extra: &[&str]) -> (Output, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mismo-loadsim"));
    // The plot goes where each run asks, else into the run's own folder.
    cmd.current_dir(c._dir.path())
        .envs(c.server.env())
        .arg("--submission")
        .arg(format!("127.0.0.1:{}", c.ports.submission))
        .arg("--pop3")
        .arg(format!("127.0.0.1:{}", c.ports.pop3))
        .arg("--imap")
        .arg(format!("127.0.0.1:{}", c.ports.imap))
        .args(extra);
    for (name, s) in &c.services {
        cmd.arg("--process").arg(format!("{name}={}", s.pid()));
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

/// The value column of a table row.
fn figure<'a>(table: &'a str, row: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.starts_with(&format!("| {row} ")))
        .and_then(|l| l.split('|').nth(2))
        .unwrap_or_else(|| panic!("no row {row:?} in\n{table}"))
        .trim()
}

#[test]
fn a_short_run_reads_back_every_copy_intact_and_reports_it() {
    let c = cluster();
    let plot = c._dir.path().join("load.png");
    let (out, table) = loadsim(
        &c,
        &[
            "--setup",
            "--clients",
            "6",
            "--duration",
            "12",
            "--time-scale",
            "20",
            "--pop3-every",
            "4",
            "--pop3-poll",
            "1",
            "--imap-poll",
            "0.5",
            "--drain-limit",
            "120",
            "--spread-sources",
            "--plot",
            plot.to_str().unwrap(),
        ],
    );
    println!("{table}");
    assert!(out.status.success(), "{table}");
    let accepted: u64 = figure(&table, "messages accepted (250)").parse().unwrap();
    let due: u64 = figure(&table, "copies due (one per mailbox reached)")
        .parse()
        .unwrap();
    let read: u64 = figure(&table, "copies read intact").parse().unwrap();
    assert!(accepted >= 6, "{table}");
    assert!(due >= 2 * accepted, "{table}");
    assert_eq!(read, due, "{table}");
    assert_eq!(figure(&table, "copies missing"), "0 (of 0 messages)");
    for row in [
        "errors: submission",
        "errors: reading",
        "corrupt copies",
        "duplicate or unknown copies",
    ] {
        assert_eq!(figure(&table, row), "0", "{row}");
    }
    for row in ["end of DATA to 250, p99", "250 to readable, p99"] {
        assert!(figure(&table, row).ends_with(" ms"), "{row}: {table}");
    }
    for (name, s) in &c.services {
        let v = figure(&table, &format!("{name} (pid {})", s.pid()));
        assert!(v.starts_with("peak RSS "), "{v}");
    }
    let png = std::fs::read(&plot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "the plot is a PNG");
    // What was read is gone from the mailboxes: the readers emptied them.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(c.server.store());
    let (_, left) = rt.block_on(store.domain_usage("load.test")).unwrap();
    assert_eq!(left.messages, 0, "every mailbox emptied");
}

#[test]
fn clients_that_cannot_log_in_make_the_run_fail() {
    let c = cluster();
    let (out, table) = loadsim(
        &c,
        &[
            "--setup",
            "--password",
            "the right password",
            "--clients",
            "2",
            "--duration",
            "2",
            "--time-scale",
            "30",
            "--drain-limit",
            "5",
            "--spread-sources",
        ],
    );
    assert!(out.status.success(), "{table}");
    let (out, table) = loadsim(
        &c,
        &[
            "--password",
            "a wrong password",
            "--clients",
            "2",
            "--duration",
            "3",
            "--time-scale",
            "30",
            "--drain-limit",
            "5",
            "--spread-sources",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{table}");
    assert!(table.contains("the run had errors"), "{table}");
    assert_ne!(figure(&table, "errors: submission"), "0", "{table}");
    assert!(
        table.contains("AUTH"),
        "the first errors are shown: {table}"
    );
}
