//! Limits, store outages and shutdown.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{start, ZOE_PASSWORD};
use mismo_testkit::service::http_get;

fn greeted(addr: std::net::SocketAddr) -> (TcpStream, String) {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut line = String::new();
    BufReader::new(s.try_clone().unwrap())
        .read_line(&mut line)
        .unwrap();
    (s, line)
}

#[tokio::test]
async fn connections_over_the_per_host_limit_get_421() {
    let e = start(&[("SMTP_MAX_CLIENTS_PER_HOST", "2")]).await;
    let (_a, g1) = greeted(e.mx);
    let (_b, g2) = greeted(e.submission);
    assert!(g1.starts_with("220 ") && g2.starts_with("220 "), "{g1}{g2}");
    let (code, out) = e.swaks(&["--server", &e.mx.to_string(), "--quit-after", "CONNECT"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("421 4.7.0 Too many connections"), "{out}");
    // Another address on the loopback is a different host.
    let (code, out) = e.swaks(&[
        "--server",
        &e.mx.to_string(),
        "--local-interface",
        "127.0.0.2",
        "--quit-after",
        "CONNECT",
    ]);
    assert_eq!(code, 0, "{out}");
    drop(_a);
    std::thread::sleep(Duration::from_millis(300));
    let (code, out) = e.swaks(&["--server", &e.mx.to_string(), "--quit-after", "CONNECT"]);
    assert_eq!(code, 0, "slot freed: {out}");
    let (_, detail) = http_get(e.status, "/status/detail");
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert!(
        detail["connections"]["refused_since_start"]
            .as_u64()
            .unwrap()
            >= 1,
        "{detail}"
    );
}

#[tokio::test]
async fn recipient_and_line_limits() {
    let e = start(&[]).await;
    let (code, out) = e.python("limits.py", &["127.0.0.1", &e.mx.port().to_string()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("RCPT101 452 4.5.3"), "{out}");
    assert!(out.contains("LONGLINE 500 5.5.2"), "{out}");
    assert!(out.contains("NOOP 250"), "{out}");

    // A text line over 998 octets refuses the message, and the session goes
    // on. The long line is the last: swaks's CRLF . CRLF follows it at once,
    // and must still end the data.
    let body = format!("Subject: long\r\n\r\n{}", "x".repeat(5000));
    let path = e.server.data_dir().join("long.eml");
    std::fs::write(&path, body).unwrap();
    let (code, out) = e.swaks(&[
        "--server",
        &e.mx.to_string(),
        "--from",
        "a@far.test",
        "--to",
        "zoe@example.org",
        "--data",
        &format!("@{}", path.display()),
    ]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("500 5.5.2"), "{out}");
    assert!(
        out.contains("221 2.0.0"),
        "session continued to QUIT: {out}"
    );
    assert!(e.queued().await.is_empty());
}

#[tokio::test]
async fn idle_sessions_are_closed() {
    let e = start(&[("SMTP_IDLE_TIMEOUT", "1s")]).await;
    let (mut s, _) = greeted(e.mx);
    let mut rest = String::new();
    s.read_to_string(&mut rest).unwrap();
    assert!(rest.starts_with("421 4.4.2"), "{rest}");
}

/// Clients stalled inside DATA or inside a BDAT chunk, or keeping a session
/// busy for ever, are closed with 421 and give their slot back: with
/// SMTP_MAX_CLIENTS=2, two stalled clients would otherwise lock everyone
/// out.
#[tokio::test]
async fn stalled_messages_and_endless_sessions_are_closed() {
    let e = start(&[
        ("SMTP_MAX_CLIENTS", "2"),
        ("SMTP_DATA_TIMEOUT", "1s"),
        ("SMTP_SESSION_TIMEOUT", "4s"),
    ])
    .await;
    let stall = |commands: &[u8]| {
        let (mut s, greeting) = greeted(e.mx);
        assert!(greeting.starts_with("220 "), "{greeting}");
        s.write_all(commands).unwrap();
        s
    };
    let started = Instant::now();
    let in_data = stall(b"EHLO c\r\nMAIL FROM:<a@far.test>\r\nRCPT TO:<zoe@example.org>\r\nDATA\r\nSubject: half\r\n");
    let in_bdat = stall(b"EHLO c\r\nMAIL FROM:<a@far.test>\r\nRCPT TO:<zoe@example.org>\r\nBDAT 1000 LAST\r\nonly a part");
    for (mut s, what) in [(in_data, "the message"), (in_bdat, "the chunk")] {
        let mut all = String::new();
        s.read_to_string(&mut all).unwrap();
        assert!(
            all.contains(&format!(
                "421 4.4.2 mx.example.org Timeout: {what} took too long"
            )),
            "{all}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(8));
    // The slots are free again.
    let (code, out) = e.swaks(&["--server", &e.mx.to_string(), "--quit-after", "CONNECT"]);
    assert_eq!(code, 0, "{out}");
    // A session that stays busy is still closed after SMTP_SESSION_TIMEOUT.
    let (mut s, _) = greeted(e.mx);
    let started = Instant::now();
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let closed = loop {
        assert!(started.elapsed() < Duration::from_secs(10), "never closed");
        if s.write_all(b"NOOP\r\n").is_err() {
            break String::new();
        }
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break line,
            Ok(_) if line.starts_with("421") => break line,
            Ok(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    assert!(
        closed.starts_with("421 4.4.2 mx.example.org Timeout: the session took too long"),
        "{closed:?}"
    );
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert!(e.queued().await.is_empty());
}

#[tokio::test]
async fn failed_logins_are_slowed_then_refused() {
    let e = start(&[]).await;
    let sub = e.submission.to_string();
    let try_login = |pass: &str| {
        e.swaks(&[
            "--server",
            &sub,
            "-tls",
            "--auth",
            "PLAIN",
            "--auth-user",
            "zoe@example.org",
            "--auth-password",
            pass,
            "--quit-after",
            "AUTH",
        ])
    };
    let started = Instant::now();
    for _ in 0..4 {
        let (code, out) = try_login("wrong");
        assert_eq!(code, 28, "{out}");
        assert!(out.contains("535 5.7.8"), "{out}");
    }
    // 250 + 500 + 750 + 1000 ms of delay at least.
    assert!(
        started.elapsed() >= Duration::from_millis(2500),
        "not slowed: {:?}",
        started.elapsed()
    );
    let (_, out) = try_login("wrong");
    assert!(
        out.contains("421 4.7.0 Too many failed authentications"),
        "{out}"
    );
    // Now even the right password is refused from this address for a while.
    let (_, out) = try_login(ZOE_PASSWORD);
    assert!(out.contains("421 4.7.0"), "{out}");
}

#[tokio::test]
async fn no_250_is_ever_given_for_a_message_the_store_did_not_keep() {
    let mut e = start(&[("MONGODB_TIMEOUT", "2s")]).await;
    if !e.server.is_embedded() {
        return;
    }
    let port = e.mx.port().to_string();
    let sender = std::thread::spawn(move || {
        let out = std::process::Command::new("python3")
            .arg(format!("{}/tests/py/outage.py", env!("CARGO_MANIFEST_DIR")))
            .args(["127.0.0.1", &port, "zoe@example.org", "14"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    });
    std::thread::sleep(Duration::from_secs(3));
    e.server.stop();
    // While the store is down: /status says so.
    std::thread::sleep(Duration::from_secs(1));
    let (code, body) = http_get(e.status, "/status");
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("store"), "{body}");
    std::thread::sleep(Duration::from_secs(4));
    e.server.restart();
    let out = sender.join().unwrap();

    let accepted: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("OK ")).collect();
    let temp: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("TEMP 451 4.3.0"))
        .collect();
    assert!(!accepted.is_empty(), "nothing accepted: {out}");
    assert!(!temp.is_empty(), "no 451 during the outage: {out}");
    assert!(
        !out.lines().any(|l| l.starts_with("ERROR")),
        "connections broke: {out}"
    );
    // Every 250 is backed by a complete queue document and its bytes.
    let store = e.server.store().await;
    let ids: HashSet<&str> = accepted.iter().copied().collect();
    for id in &ids {
        let msg = store
            .get_queued(id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("250 given for {id}, not stored"));
        let raw = store.get_blob(&msg.blob).await.expect("bytes stored");
        assert!(String::from_utf8_lossy(&raw).contains("message "), "{id}");
    }
    let (code, _) = http_get(e.status, "/status");
    assert_eq!(code, 200, "recovered");
}

#[tokio::test]
async fn sigterm_drains_with_503_then_exits_0() {
    let mut e = start(&[]).await;
    let (code, body) = http_get(e.status, "/status");
    assert_eq!(code, 200, "{body}");
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status["status"], "ok");
    let (code, metrics) = http_get(e.status, "/metrics");
    assert_eq!(code, 200);
    assert!(metrics.contains("smtp_connections"), "{metrics}");

    // A session in progress when the signal comes.
    let (mut s, _) = greeted(e.mx);
    e.service.signal(libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(500));
    let (code, body) = http_get(e.status, "/status");
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("draining"), "{body}");
    // No new sessions.
    assert!(TcpStream::connect(e.mx)
        .map(|mut c| {
            let mut b = [0u8; 1];
            c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            c.read(&mut b).unwrap_or(0) == 0
        })
        .unwrap_or(true));
    // The open session still works, and finishing it lets the engine exit.
    s.write_all(b"EHLO c\r\nMAIL FROM:<a@far.test>\r\nRCPT TO:<zoe@example.org>\r\nDATA\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    s.write_all(b"Subject: during drain\r\n\r\nhi\r\n.\r\nQUIT\r\n")
        .unwrap();
    let mut replies = String::new();
    s.read_to_string(&mut replies).unwrap();
    assert!(replies.contains("250 2.0.0 Ok: queued as"), "{replies}");
    let status = e.service.wait(Duration::from_secs(20)).expect("exited");
    assert_eq!(status.code(), Some(0), "{}", e.service.log_text());
    assert_eq!(e.queued().await.len(), 1);
}

#[test]
fn a_malformed_setting_stops_the_engine_with_its_name() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smtp-engine"))
        .env_clear()
        .env("SMTP_MAX_CLIENTS", "lots")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "SMTP_MAX_CLIENTS: invalid value \"lots\": expected a whole number greater than zero"
        ),
        "{err}"
    );
}
