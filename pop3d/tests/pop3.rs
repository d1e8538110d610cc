//! pop3d with clients nobody here wrote: Python's poplib and mpop.

use std::process::Command;
use std::time::Duration;

use base64::Engine;
use mismo_core::admin::Admin;
use mismo_core::model::Activation;
use mismo_core::Store;
use mismo_testkit::service::Service;
use mismo_testkit::{deliver, free_port, TestStore};
use serde_json::Value;

const PASSWORD: &str = "zoe's long password";

struct Pop {
    server: TestStore,
    store: Store,
    service: Service,
    plain: u16,
    tls: u16,
}

async fn start(extra: &[(&str, &str)]) -> Pop {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin
        .add_mailbox("zoe@example.org", PASSWORD, 0)
        .await
        .unwrap();
    admin
        .add_mailbox("off@example.org", PASSWORD, 0)
        .await
        .unwrap();
    admin
        .set_mailbox_state("off@example.org", Activation::Disabled)
        .await
        .unwrap();
    let (plain, tls) = (free_port(), free_port());
    let service = spawn(&server, plain, tls, extra);
    Pop {
        server,
        store,
        service,
        plain,
        tls,
    }
}

fn spawn(server: &TestStore, plain: u16, tls: u16, extra: &[(&str, &str)]) -> Service {
    let mut env = server.env();
    env.push(("POP3_LISTEN".into(), format!("127.0.0.1:{plain}")));
    env.push(("POP3S_LISTEN".into(), format!("127.0.0.1:{tls}")));
    env.push(("MISMO_HOSTNAME".into(), "pop.example.org".into()));
    for (k, v) in extra {
        env.push((k.to_string(), v.to_string()));
    }
    Service::start(
        env!("CARGO_BIN_EXE_pop3d"),
        &env,
        server.data_dir(),
        ([127, 0, 0, 1], tls).into(),
    )
}

/// tests/py/pop.py (poplib) against `port`, logging in as zoe.
fn pop_py(port: u16, mode: &str, actions: &[&str]) -> Command {
    pop_py_as(port, mode, "zoe@example.org", PASSWORD, actions)
}

fn pop_py_as(port: u16, mode: &str, user: &str, pass: &str, actions: &[&str]) -> Command {
    let mut cmd = Command::new("python3");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/pop.py"))
        .args(["127.0.0.1", &port.to_string(), mode, user, pass])
        .args(actions);
    cmd
}

/// Runs pop.py and reads its JSON report.
fn report(mut cmd: Command) -> Value {
    let out = cmd.output().expect("python3");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

impl Pop {
    fn poplib(&self, mode: &str, user: &str, pass: &str, actions: &[&str]) -> Value {
        let port = if mode == "ssl" { self.tls } else { self.plain };
        report(pop_py_as(port, mode, user, pass, actions))
    }
}

fn logged(v: &Value, kind: &str) -> Vec<Value> {
    v["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e[0] == kind)
        .map(|e| e[1].clone())
        .collect()
}

fn decoded(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
}

const DOTTY: &[u8] =
    b"From: a@far.test\r\nSubject: dots\r\n\r\n.\r\n..two dots\r\n.leading\r\nplain\r\n";

#[tokio::test]
async fn retr_top_uidl_over_implicit_tls_and_stls() {
    let p = start(&[]).await;
    let first = deliver(
        &p.store,
        "zoe@example.org",
        b"From: a@far.test\r\nSubject: one\r\n\r\nl1\r\nl2\r\nl3\r\nl4\r\nl5\r\nl6\r\nl7\r\n",
    )
    .await;
    let second = deliver(&p.store, "zoe@example.org", DOTTY).await;
    for mode in ["ssl", "stls"] {
        let v = p.poplib(
            mode,
            "zoe@example.org",
            PASSWORD,
            &[
                "capa", "stat", "list", "uidl", "retr:1", "retr:2", "top:1:0", "top:1:5", "quit",
            ],
        );
        assert!(v.get("error").is_none(), "{mode}: {v}");
        assert_eq!(
            logged(&v, "stat")[0],
            serde_json::json!([2, first.size + second.size])
        );
        assert_eq!(
            logged(&v, "list")[0],
            serde_json::json!([format!("1 {}", first.size), format!("2 {}", second.size)])
        );
        assert_eq!(
            logged(&v, "uidl")[0],
            serde_json::json!([format!("1 {}", first.id), format!("2 {}", second.id)])
        );
        let capa = logged(&v, "capa")[0].to_string();
        assert!(
            capa.contains("TOP") && capa.contains("UIDL") && capa.contains("RESP-CODES"),
            "{capa}"
        );
        assert!(
            !capa.contains("SASL"),
            "no login mechanisms once logged in: {capa}"
        );
        let retr = logged(&v, "retr");
        assert_eq!(
            decoded(&retr[0]),
            p.store.get_blob(&first.blob).await.unwrap()
        );
        assert_eq!(
            decoded(&retr[1]),
            DOTTY,
            "dot-stuffed lines come back as stored"
        );
        let top = logged(&v, "top");
        assert_eq!(
            decoded(&top[0]),
            b"From: a@far.test\r\nSubject: one\r\n\r\n"
        );
        assert_eq!(
            decoded(&top[1]),
            b"From: a@far.test\r\nSubject: one\r\n\r\nl1\r\nl2\r\nl3\r\nl4\r\nl5\r\n"
        );
    }
    // UIDLs are the same in every session, and from another instance.
    let (plain, tls) = (free_port(), free_port());
    let _other = spawn(&p.server, plain, tls, &[]);
    let v = report(pop_py(tls, "ssl", &["uidl", "quit"]));
    assert_eq!(
        logged(&v, "uidl")[0],
        serde_json::json!([format!("1 {}", first.id), format!("2 {}", second.id)])
    );
}

#[tokio::test]
async fn deletions_happen_at_quit_and_nowhere_else() {
    let p = start(&[]).await;
    deliver(&p.store, "zoe@example.org", b"Subject: a\r\n\r\na\r\n").await;
    deliver(&p.store, "zoe@example.org", b"Subject: b\r\n\r\nb\r\n").await;
    // DELE then a dropped connection: nothing deleted.
    let v = p.poplib("ssl", "zoe@example.org", PASSWORD, &["dele:1", "drop"]);
    assert!(v.get("error").is_none(), "{v}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        p.store.list_entries("zoe@example.org").await.unwrap().len(),
        2
    );
    // DELE then RSET then QUIT: nothing deleted either. (The dropped
    // session's lock went with its connection, as in Dovecot: no [IN-USE].)
    let v = p.poplib(
        "ssl",
        "zoe@example.org",
        PASSWORD,
        &["dele:1", "rset", "quit"],
    );
    assert!(v.get("error").is_none(), "{v}");
    assert_eq!(
        p.store.list_entries("zoe@example.org").await.unwrap().len(),
        2
    );
    // DELE then QUIT: gone.
    let v = p.poplib("ssl", "zoe@example.org", PASSWORD, &["dele:1", "quit"]);
    assert!(
        logged(&v, "quit")[0]
            .as_str()
            .unwrap()
            .contains("1 messages left"),
        "{v}"
    );
    let left = p.store.list_entries("zoe@example.org").await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].subject.as_deref(), Some("b"));
}

#[tokio::test]
async fn one_session_per_maildrop_across_instances_and_the_lock_frees_itself() {
    let p = start(&[("POP3_LOCK_TTL", "3s")]).await;
    deliver(&p.store, "zoe@example.org", b"Subject: a\r\n\r\na\r\n").await;
    let holder = pop_py(p.tls, "ssl", &["stat", "hold:6", "quit"]);
    let holder = std::thread::spawn(move || report(holder));
    std::thread::sleep(Duration::from_millis(1500));
    let v = p.poplib("ssl", "zoe@example.org", PASSWORD, &["stat"]);
    assert!(
        v["error"]
            .as_str()
            .unwrap_or("")
            .starts_with("-ERR [IN-USE]"),
        "{v}"
    );
    // Held longer than the lock's TTL: the holder keeps it alive.
    std::thread::sleep(Duration::from_millis(2500));
    let v = p.poplib("ssl", "zoe@example.org", PASSWORD, &["stat"]);
    assert!(
        v["error"].as_str().unwrap_or("").contains("[IN-USE]"),
        "{v}"
    );
    let held = holder.join().unwrap();
    assert!(held.get("error").is_none(), "{held}");
    // Released at QUIT.
    let v = p.poplib("ssl", "zoe@example.org", PASSWORD, &["stat", "quit"]);
    assert!(v.get("error").is_none(), "{v}");

    // A holder that dies: its lock expires by itself.
    let mut p = p;
    let mut stuck = pop_py(p.tls, "ssl", &["stat", "hold:30"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Until the stuck session holds the maildrop (looked at, not touched).
    let locks = p
        .store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(mismo_core::store::names::MAILDROP_LOCKS);
    let start = std::time::Instant::now();
    while locks
        .find_one(mongodb::bson::doc! { "_id": "zoe@example.org" })
        .await
        .unwrap()
        .is_none()
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the client never logged in"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A second instance, up before the first one dies.
    let (plain, tls) = (free_port(), free_port());
    let _second = spawn(&p.server, plain, tls, &[("POP3_LOCK_TTL", "3s")]);
    std::thread::sleep(Duration::from_millis(500));
    p.service.signal(libc::SIGKILL);
    p.service.wait(Duration::from_secs(5)).expect("killed");
    p.tls = tls;
    p.plain = plain;
    // The dead instance's lock still holds across instances...
    let v = p.poplib("ssl", "zoe@example.org", PASSWORD, &["stat"]);
    assert!(
        v["error"].as_str().unwrap_or("").contains("[IN-USE]"),
        "{v}"
    );
    // ...until it expires by itself.
    std::thread::sleep(Duration::from_millis(3500));
    let v = p.poplib("ssl", "zoe@example.org", PASSWORD, &["stat", "quit"]);
    assert!(
        v.get("error").is_none(),
        "lock of the dead instance still held: {v}"
    );
    let _ = stuck.kill();
    let _ = stuck.wait();
}

#[tokio::test]
async fn a_session_that_lost_its_lock_deletes_nothing() {
    let p = start(&[("POP3_LOCK_TTL", "3s")]).await;
    deliver(&p.store, "zoe@example.org", b"Subject: a\r\n\r\na\r\n").await;
    deliver(&p.store, "zoe@example.org", b"Subject: b\r\n\r\nb\r\n").await;
    let session = pop_py(p.tls, "ssl", &["stat", "dele:1", "hold:3", "quit"]);
    let session = std::thread::spawn(move || report(session));
    // Once it holds the maildrop, another session takes the lock, as a
    // second pop3d does when the first stalled past POP3_LOCK_TTL.
    let locks = p
        .store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(mismo_core::store::names::MAILDROP_LOCKS);
    let start = std::time::Instant::now();
    loop {
        let taken = locks
            .update_one(
                mongodb::bson::doc! { "_id": "zoe@example.org" },
                mongodb::bson::doc! { "$set": { "holder": "another pop3d" } },
            )
            .await
            .unwrap();
        if taken.matched_count == 1 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "never logged in");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let v = session.join().unwrap();
    // The session ends with -ERR (at its next command or at QUIT), and the
    // message it marked deleted is still there.
    assert!(v["error"].as_str().unwrap_or("").starts_with("-ERR"), "{v}");
    assert_eq!(
        p.store.list_entries("zoe@example.org").await.unwrap().len(),
        2
    );
}

#[tokio::test]
async fn no_passwords_in_the_clear_and_bad_logins() {
    let p = start(&[]).await;
    let v = p.poplib("plain", "zoe@example.org", PASSWORD, &["stat"]);
    assert!(
        v["error"].as_str().unwrap().starts_with("-ERR [AUTH]"),
        "{v}"
    );
    let v = p.poplib("ssl", "zoe@example.org", "wrong", &["stat"]);
    assert_eq!(v["error"], "-ERR [AUTH] Authentication failed", "{v}");
    let v = p.poplib("ssl", "off@example.org", PASSWORD, &["stat"]);
    assert!(
        v["error"].as_str().unwrap().starts_with("-ERR [AUTH]"),
        "disabled mailbox: {v}"
    );
    // Failures from one address are slowed, then refused for a while, even
    // with the right password. Two failures so far; three more block.
    let started = std::time::Instant::now();
    for _ in 0..2 {
        let v = p.poplib("ssl", "zoe@example.org", "wrong", &["stat"]);
        assert_eq!(v["error"], "-ERR [AUTH] Authentication failed", "{v}");
    }
    let v = p.poplib("ssl", "zoe@example.org", "wrong", &["stat"]);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("Too many failed logins"),
        "{v}"
    );
    // 750 + 1000 + 1250 ms of delay at least.
    assert!(
        started.elapsed() >= Duration::from_millis(3000),
        "not slowed: {:?}",
        started.elapsed()
    );
    let v = p.poplib("ssl", "zoe@example.org", PASSWORD, &["stat"]);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("Too many failed logins"),
        "{v}"
    );
    // With the setting, plaintext works (for tests and trusted networks).
    drop(p.service);
    let (plain, tls) = (free_port(), free_port());
    let _s = spawn(
        &p.server,
        plain,
        tls,
        &[("POP3_ALLOW_PLAINTEXT_AUTH", "yes")],
    );
    // The new instance knows the address is out of attempts: the count is
    // in the store, not in the process.
    let v = report(pop_py(plain, "plain", &["stat", "quit"]));
    assert!(
        v["error"]
            .as_str()
            .unwrap_or("")
            .contains("Too many failed logins"),
        "{v}"
    );
    p.store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(mismo_core::store::names::LOGIN_ATTEMPTS)
        .delete_many(mongodb::bson::doc! {})
        .await
        .unwrap();
    let v = report(pop_py(plain, "plain", &["stat", "quit"]));
    assert!(v.get("error").is_none(), "{v}");
}

#[tokio::test]
async fn unknown_commands_long_lines_and_idle_timeout() {
    use std::io::{BufRead, BufReader, Write};
    let p = start(&[
        ("POP3_IDLE_TIMEOUT", "2s"),
        ("POP3_ALLOW_PLAINTEXT_AUTH", "yes"),
    ])
    .await;
    let s = std::net::TcpStream::connect(("127.0.0.1", p.plain)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut w = s;
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert!(line.starts_with("+OK"), "{line}");
    w.write_all(b"FROB\r\n").unwrap();
    line.clear();
    r.read_line(&mut line).unwrap();
    assert_eq!(line, "-ERR Unknown command\r\n");
    w.write_all(format!("NOOP {}\r\n", "x".repeat(20000)).as_bytes())
        .unwrap();
    line.clear();
    r.read_line(&mut line).unwrap();
    assert!(line.starts_with("-ERR Line too long"), "{line}");
    line.clear();
    r.read_line(&mut line).unwrap();
    assert!(line.starts_with("-ERR Autologout"), "{line}");
}

#[tokio::test]
async fn mpop_downloads_everything() {
    let p = start(&[]).await;
    for i in 0..5 {
        deliver(
            &p.store,
            "zoe@example.org",
            format!("From: a@far.test\r\nSubject: m{i}\r\n\r\n.dot line {i}\r\n").as_bytes(),
        )
        .await;
    }
    let mbox = p.server.data_dir().join("mbox");
    std::fs::write(&mbox, b"").unwrap();
    let out = Command::new("mpop")
        .args([
            "--host=127.0.0.1",
            &format!("--port={}", p.tls),
            "--tls=on",
            "--tls-starttls=off",
            "--tls-certcheck=off",
            "--auth=user",
            "--user=zoe@example.org",
            &format!("--passwordeval=echo \"{PASSWORD}\""),
            &format!("--delivery=mbox,{}", mbox.display()),
            "--keep=on",
            "--only-new=off",
            &format!(
                "--uidls-file={}",
                p.server.data_dir().join("uidls").display()
            ),
        ])
        .env("HOME", p.server.data_dir())
        .output()
        .expect("mpop (Debian package mpop) runs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    let got = std::fs::read_to_string(&mbox).unwrap();
    for i in 0..5 {
        assert!(got.contains(&format!("Subject: m{i}")), "{got}");
        assert!(got.contains(&format!("\n.dot line {i}")), "{got}");
    }
    // --keep=on: nothing deleted.
    assert_eq!(
        p.store.list_entries("zoe@example.org").await.unwrap().len(),
        5
    );
    // mpop names the server by its IP address in TLS's SNI, which RFC 6066
    // forbids and rustls notes; an operator cannot act on that, so no WARN.
    let log = p.service.log_text();
    let after_start = &log[log.find(" serving").unwrap()..];
    assert!(!after_start.contains("WARN"), "{log}");
}

#[tokio::test]
async fn a_password_with_spaces_at_either_end_works_with_pass() {
    let p = start(&[]).await;
    let spaced = "  spaced out password ";
    Admin::new(&p.store)
        .add_mailbox("spaced@example.org", spaced, 0)
        .await
        .unwrap();
    let v = p.poplib("ssl", "spaced@example.org", spaced, &["stat"]);
    assert!(v.get("error").is_none(), "{v}");
    // The trimmed password is a different one.
    let v = p.poplib("ssl", "spaced@example.org", spaced.trim(), &["stat"]);
    assert_eq!(v["error"], "-ERR [AUTH] Authentication failed", "{v}");
}

#[tokio::test]
async fn connections_over_the_per_address_limit_are_refused() {
    let pop = start(&[("POP3_MAX_CLIENTS_PER_HOST", "2")]).await;
    let greeting = |stream: &std::net::TcpStream| {
        // A guard against a hung test, not a measure of speed.
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(stream.try_clone().unwrap()),
            &mut line,
        )
        .unwrap();
        line
    };
    let connect = || std::net::TcpStream::connect(("127.0.0.1", pop.plain)).unwrap();
    let (a, b) = (connect(), connect());
    assert!(greeting(&a).starts_with("+OK "));
    assert!(greeting(&b).starts_with("+OK "));
    let c = connect();
    assert_eq!(
        greeting(&c),
        "-ERR [SYS/TEMP] Service not available, try again later\r\n"
    );
}

#[tokio::test]
async fn a_password_reset_ends_an_open_session_and_deletes_nothing() {
    let pop = start(&[("POP3_ALLOW_PLAINTEXT_AUTH", "yes")]).await;
    deliver(&pop.store, "zoe@example.org", b"Subject: kept\r\n\r\nx\r\n").await;
    let stream = std::net::TcpStream::connect(("127.0.0.1", pop.plain)).unwrap();
    // A guard against a hung test, not a measure of speed.
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut say = |line: &str| {
        use std::io::{BufRead, Write};
        if !line.is_empty() {
            writer.write_all(format!("{line}\r\n").as_bytes()).unwrap();
        }
        let mut reply = String::new();
        reader.read_line(&mut reply).unwrap();
        reply
    };
    assert!(say("").starts_with("+OK"));
    assert!(say("USER zoe@example.org").starts_with("+OK"));
    assert!(say(&format!("PASS {PASSWORD}")).starts_with("+OK"));
    assert!(say("DELE 1").starts_with("+OK"));
    Admin::new(&pop.store)
        .set_password("zoe@example.org", "a new long password")
        .await
        .unwrap();
    // Compared at most every five seconds.
    tokio::time::sleep(Duration::from_millis(5500)).await;
    assert!(
        say("QUIT").starts_with("-ERR [SYS/PERM] Session ended"),
        "the session ends before its UPDATE state"
    );
    let inbox = pop
        .store
        .list_folder(
            "zoe@example.org",
            &mismo_core::model::Folder::inbox_id("zoe@example.org"),
        )
        .await
        .unwrap();
    assert_eq!(inbox.len(), 1, "nothing deleted");
}
