//! The whole way: swaks -> smtp-engine -> qprocessor -> pop3d (poplib, getmail6).

use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use mismo_core::admin::Admin;
use mismo_testkit::service::Service;
use mismo_testkit::{binary, free_port, TestStore};

#[tokio::test]
async fn swaks_to_smtp_engine_to_qprocessor_to_pop3d() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin
        .add_mailbox("zoe@example.org", "zoe's long password", 0)
        .await
        .unwrap();

    let ports: Vec<u16> = (0..6).map(|_| free_port()).collect();
    let mut env = server.env();
    for (k, v) in [
        ("MISMO_HOSTNAME", "mx.example.org".to_string()),
        ("SMTP_LISTEN", format!("127.0.0.1:{}", ports[0])),
        ("SMTP_SUBMISSION_LISTEN", format!("127.0.0.1:{}", ports[1])),
        ("SMTPS_LISTEN", format!("127.0.0.1:{}", ports[2])),
        ("SMTP_STATUS_LISTEN", format!("127.0.0.1:{}", ports[3])),
        ("POP3_LISTEN", format!("127.0.0.1:{}", ports[4])),
        ("POP3S_LISTEN", format!("127.0.0.1:{}", ports[5])),
        ("QUEUE_CYCLE_PERIOD", "30".to_string()),
        ("POP3_ALLOW_PLAINTEXT_AUTH", "yes".to_string()),
    ] {
        env.push((k.into(), v));
    }
    let dir = server.data_dir();
    let engine = Service::start(
        &binary("smtp-engine"),
        &env,
        dir,
        ([127, 0, 0, 1], ports[3]).into(),
    );
    let _pop3d = Service::start(
        env!("CARGO_BIN_EXE_pop3d"),
        &env,
        dir,
        ([127, 0, 0, 1], ports[5]).into(),
    );
    let qprocessor = Service::spawn(&binary("qprocessor"), &env, dir);
    std::thread::sleep(Duration::from_millis(1500));

    let sent = b"From: Alice <alice@far.test>\r\nTo: zoe@example.org\r\nSubject: the whole way\r\nMessage-ID: <whole@far.test>\r\n\r\nHello Zoe.\r\n.A line with a leading dot.\r\n";
    let file = dir.join("sent.eml");
    // swaks adds the final CRLF itself.
    std::fs::write(&file, &sent[..sent.len() - 2]).unwrap();
    let out = Command::new("swaks")
        .args([
            "--server",
            &format!("127.0.0.1:{}", ports[0]),
            "--from",
            "alice@far.test",
            "--to",
            "zoe@example.org",
        ])
        .args(["--data", &format!("@{}", file.display())])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Picked up and delivered well within a second or two, though the idle
    // cycle is 30 s.
    let start = Instant::now();
    while store
        .list_entries("zoe@example.org")
        .await
        .unwrap()
        .is_empty()
    {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "not delivered:\n{}",
            qprocessor.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // One intake line and one delivery line, found by the queue id, as
    // Postfix's are.
    let id = store.list_entries("zoe@example.org").await.unwrap()[0]
        .queue_id
        .clone();
    let line_of = |log: String, needle: String| {
        log.lines()
            .find(|l| l.contains(&needle))
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{log}"))
            .to_string()
    };
    let intake = line_of(engine.log_text(), format!("{id}: client=[127.0.0.1]:"));
    for part in [
        "listener=mx",
        "tls=no",
        "from=<alice@far.test>",
        "nrcpt=1",
        "sasl_username=-",
    ] {
        assert!(intake.contains(part), "{part} in {intake}");
    }
    let delivery = line_of(qprocessor.log_text(), format!("{id}: to=<zoe@example.org>"));
    for part in ["relay=local", "dsn=2.0.0", "status=sent (250 2.0.0"] {
        assert!(delivery.contains(part), "{part} in {delivery}");
    }
    println!("{intake}\n{delivery}");
    // The embedded store serves change streams: new mail wakes the
    // qprocessor instead of waiting for its next probe.
    if server.is_embedded() {
        let log = qprocessor.log_text();
        assert!(
            log.contains("wakes idle workers through a change stream"),
            "{log}"
        );
    }

    let out = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/pop.py"))
        .args([
            "127.0.0.1",
            &ports[5].to_string(),
            "ssl",
            "zoe@example.org",
            "zoe's long password",
            "retr:1",
            "quit",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let retr = v["log"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e[0] == "retr")
        .expect("retrieved")[1]
        .clone();
    let got = base64::engine::general_purpose::STANDARD
        .decode(retr.as_str().unwrap())
        .unwrap();
    let text = String::from_utf8_lossy(&got);
    // The delivering MTA records the envelope sender (RFC 5321 4.4) and the
    // mailbox it delivered to, above the trace header smtp-engine added.
    assert!(
        text.starts_with(
            "Return-Path: <alice@far.test>\r\nDelivered-To: zoe@example.org\r\nReceived: from "
        ),
        "{text}"
    );
    assert!(
        text.contains("by mx.example.org (Mismo) with ESMTP id"),
        "{text}"
    );
    assert!(
        got.ends_with(sent),
        "the sent bytes come back after the added header:\n{text}"
    );
    // LIST's size is the size RETR sends.
    assert_eq!(
        store.list_entries("zoe@example.org").await.unwrap()[0].size as usize,
        got.len()
    );

    // getmail6 takes the sender from Return-Path; without it, it wrote <unknown>.
    // getmail will not write a Maildir as root: as root, it delivers as
    // `nobody` into a directory anyone may write.
    let home = tempfile::tempdir_in("/tmp").unwrap();
    let maildir = home.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    let as_root = unsafe { libc::geteuid() } == 0;
    if as_root {
        use std::os::unix::fs::PermissionsExt;
        for d in [home.path().to_path_buf(), maildir.clone()]
            .into_iter()
            .chain(["cur", "new", "tmp"].map(|s| maildir.join(s)))
        {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
    }
    let rc = dir.join("getmailrc");
    std::fs::write(
        &rc,
        format!(
            "[retriever]\ntype = SimplePOP3Retriever\nserver = 127.0.0.1\nport = {}\n\
             username = zoe@example.org\npassword = zoe's long password\n\n\
             [destination]\ntype = Maildir\npath = {}/\n{}\n\
             [options]\nread_all = true\ndelete = false\nverbose = 0\n",
            ports[4],
            maildir.display(),
            if as_root { "user = nobody\n" } else { "" }
        ),
    )
    .unwrap();
    let out = Command::new(mismo_testkit::workspace_root().join(".venv/bin/getmail"))
        .arg("--getmaildir")
        .arg(dir)
        .arg("--rcfile")
        .arg(&rc)
        .output()
        .expect("getmail (getmail6, in the project's .venv)");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<_> = std::fs::read_dir(maildir.join("new"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let fetched = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        fetched.contains("Return-Path: <alice@far.test>"),
        "{fetched}"
    );
    assert!(!fetched.contains("<unknown>"), "{fetched}");
}
