//! Webmail in headless Chromium (tests/py/webmail_e2e.py, Python's
//! Playwright driving Debian's /usr/bin/chromium) against a real cluster:
//! smtp-engine, qprocessor, pop3d, imapd and webmail on one store, BIND9 giving
//! remote.test an MX, and Postfix's smtp-sink as that MX. Screenshots of
//! every page go to target/screenshots/webmail.

use std::time::{Duration, Instant};

use mismo_core::admin::Admin;
use mismo_testkit::dns::Bind9;
use mismo_testkit::service::Service;
use mismo_testkit::sink::Sink;
use mismo_testkit::{binary, deliver, free_port, Ports, TestStore};

const REPORT: &[u8] = b"From: Ann <ann@far.test>\r\nTo: zoe@w.test\r\nSubject: Quarterly report\r\n\
Message-ID: <report-1@far.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
--XX\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\n\r\nThe report is attached. \r\nDetails: \
https://far.test/report\r\n--XX\r\nContent-Type: text/csv; name=figures.csv\r\n\
Content-Disposition: attachment; filename=figures.csv\r\n\r\nquarter,total\r\nQ3,42\r\n\r\n--XX--\r\n";

const LUNCH: &[u8] = b"From: Bob <bob@w.test>\r\nTo: zoe@w.test\r\nSubject: Lunch on Friday?\r\n\
Message-ID: <lunch-1@w.test>\r\n\r\nShall we meet at noon?\r\n";

#[tokio::test]
async fn a_user_reads_and_writes_mail_in_the_browser() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("w.test").await.unwrap();
    admin
        .add_mailbox("zoe@w.test", "zoe's long password", 0)
        .await
        .unwrap();
    admin
        .add_mailbox("bob@w.test", "bob's long password", 0)
        .await
        .unwrap();
    admin
        .add_mailbox("carol@w.test", "carol's long password", 0)
        .await
        .unwrap();
    deliver(&store, "zoe@w.test", LUNCH).await;
    deliver(&store, "zoe@w.test", REPORT).await;

    let dns = Bind9::start(&[(
        "remote.test",
        &[
            "@ MX 10 mx.remote.test.".to_string(),
            "mx A 127.0.0.1".to_string(),
        ],
    )]);
    let sink = Sink::start(Ports::at(free_port()), &[]);
    let (mut env, ports) = server.env_with_ports();
    for (k, v) in [
        ("DNS_RESOLVER", dns.addr().to_string()),
        ("RELAY_PORT", sink.addr.port().to_string()),
        ("MISMO_HOSTNAME", "mail.w.test".to_string()),
        ("QUEUE_CYCLE_PERIOD", "1".to_string()),
        ("RETRY_SCHEDULE", "1s".to_string()),
    ] {
        env.push((k.into(), v));
    }
    let dir = tempfile::tempdir().unwrap();
    let _engine = Service::start(
        &binary("smtp-engine"),
        &env,
        dir.path(),
        Ports::at(ports.smtp),
    );
    let _qprocessor = Service::spawn(&binary("qprocessor"), &env, dir.path());
    let _pop3d = Service::start(&binary("pop3d"), &env, dir.path(), Ports::at(ports.pop3s));
    let _imapd = Service::start(&binary("imapd"), &env, dir.path(), Ports::at(ports.imaps));
    let webmail = Service::start(
        &binary("webmail"),
        &env,
        dir.path(),
        Ports::at(ports.webmail),
    );

    let shots = mismo_testkit::screenshots("webmail");
    let printed = mismo_testkit::run_browser_script(
        "webmail/tests/py/webmail_e2e.py",
        &[
            format!("http://127.0.0.1:{}", ports.webmail),
            ports.smtp.to_string(),
            ports.pop3s.to_string(),
            ports.imaps.to_string(),
            shots.display().to_string(),
        ],
        "webmail e2e: ok",
        &webmail,
    );
    println!("{printed}");

    // The composed message reached the remote MX too, attachment and all.
    let started = Instant::now();
    let remote = loop {
        let found = sink
            .messages()
            .into_iter()
            .find(|m| m.text.contains("Subject: Remote and local"));
        if let Some(m) = found {
            break m;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nothing reached smtp-sink"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(remote.rcpts, ["far@remote.test"]);
    assert_eq!(remote.mail_from, "zoe@w.test");
    assert!(
        remote.text.contains("filename=\"notes.txt\"")
            || remote.text.contains("filename=notes.txt"),
        "{}",
        remote.text
    );
}
