//! Relaying to next hops that offer less than Mismo would like: no
//! 8BITMIME (smtp-sink -8), no ESMTP at all (smtp-sink -e), and SMTPUTF8 on
//! or off (aiosmtpd); and how a refusal is reported in the bounce.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::world;
use mismo_core::model::{QueueState, RecipientStatus};

const GRUSS: &str = "From: zoe@example.org\nTo: x@nomx.test, y@far.test\nSubject: gruss\n\
MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
Grüße aus Köln, à bientôt.\n";

#[tokio::test]
async fn eight_bit_mail_is_made_7bit_for_a_host_without_8bitmime_and_signed_after() {
    // nomx.test's host offers no 8BITMIME; far.test's first MX does.
    let mut w = world(&[("127.0.0.3", &["-8"]), ("127.0.0.2", &[])]).await;
    w.start_worker(&[]);
    let id = mismo_testkit::enqueue_submitted(
        &w.store,
        "zoe@example.org",
        "zoe@example.org",
        &["x@nomx.test", "y@far.test"],
        GRUSS,
    )
    .await;
    let m = w.wait_final(&id).await;
    assert_eq!(m.state, QueueState::Delivered, "{:?}", m.recipients);
    let (_, record) = w.dkim_record("example.org").await;

    let seven = &w.sink("127.0.0.3").messages()[0];
    assert_eq!(seven.rcpts, ["x@nomx.test"]);
    assert!(!seven.mail_args.contains("BODY="), "{}", seven.mail_args);
    assert!(seven.text.is_ascii(), "{}", seven.text);
    assert!(
        seven.text.contains(
            "Content-Transfer-Encoding: quoted-printable\n\nGr=C3=BC=C3=9Fe aus K=C3=B6ln"
        ),
        "{}",
        seven.text
    );
    assert!(!seven.text.contains(": 8bit"), "{}", seven.text);
    // Signed after the conversion: the signature holds for what arrived.
    w.assert_dkim_verifies(&seven.text, &record);

    let eight = &w.sink("127.0.0.2").messages()[0];
    assert_eq!(eight.rcpts, ["y@far.test"]);
    assert!(
        eight.mail_args.ends_with(" BODY=8BITMIME"),
        "{}",
        eight.mail_args
    );
    assert!(eight.text.contains("Grüße aus Köln"), "{}", eight.text);
    w.assert_dkim_verifies(&eight.text, &record);
}

#[tokio::test]
async fn a_host_that_refuses_ehlo_is_greeted_with_helo() {
    let mut w = world(&[("127.0.0.3", &["-e"])]).await;
    w.start_worker(&[]);
    let id = w
        .enqueue(
            "zoe@example.org",
            &["x@nomx.test"],
            "Subject: old host\n\nGrüße\n",
        )
        .await;
    let m = w.wait_final(&id).await;
    assert_eq!(m.state, QueueState::Delivered, "{:?}", m.recipients);
    assert_eq!(m.attempts, 1, "delivered on the first attempt");
    let got = &w.sink("127.0.0.3").messages()[0];
    assert_eq!(got.proto, "SMTP", "HELO, not EHLO");
    // No ESMTP parameters to a host that knows none, so no BODY=8BITMIME:
    // the 8-bit body went as quoted-printable.
    assert_eq!(got.mail_args, "<zoe@example.org>");
    assert!(
        got.text.contains("Gr=C3=BC=C3=9Fe") && got.text.is_ascii(),
        "{}",
        got.text
    );
}

/// aiosmtpd on `ip` at the world's relay port, SMTPUTF8 on or off.
struct Aiosmtpd {
    child: Child,
    dir: tempfile::TempDir,
}

impl Aiosmtpd {
    fn start(ip: &str, port: u16, utf8: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let child = mismo_testkit::python()
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/py/utf8_sink.py"
            ))
            .args([ip, &port.to_string()])
            .arg(dir.path())
            .arg(if utf8 { "on" } else { "off" })
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let addr = format!("{ip}:{port}").parse().unwrap();
        assert!(mismo_testkit::wait_for_port(addr, Duration::from_secs(20)));
        Self { child, dir }
    }

    fn messages(&self) -> Vec<serde_json::Value> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for Aiosmtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn smtputf8_is_passed_on_where_offered_and_bounced_where_not() {
    let mut w = world(&[]).await;
    // far.test's first MX offers SMTPUTF8; nomx.test's host does not.
    let on = Aiosmtpd::start("127.0.0.2", w.port, true);
    let off = Aiosmtpd::start("127.0.0.3", w.port, false);
    w.start_worker(&[]);

    let passed = mismo_testkit::enqueue_smtputf8(
        &w.store,
        "zoe@example.org",
        &["jürgen@far.test"],
        "From: zoe@example.org\nTo: jürgen@far.test\nSubject: Grüße\n\nhallo\n",
    )
    .await;
    let m = w.wait_final(&passed).await;
    assert_eq!(m.state, QueueState::Delivered, "{:?}", m.recipients);
    let got = &on.messages()[0];
    assert_eq!(got["rcpt_tos"][0], "jürgen@far.test");
    assert_eq!(got["smtp_utf8"], true, "{got}");
    assert!(got["mail_options"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o == "SMTPUTF8"));
    assert!(got["content"].as_str().unwrap().contains("Subject: Grüße"));

    // The same to a host without SMTPUTF8: returned, saying why.
    let refused = mismo_testkit::enqueue_smtputf8(
        &w.store,
        "zoe@example.org",
        &["jürgen@nomx.test"],
        "From: zoe@example.org\nTo: jürgen@nomx.test\nSubject: Grüße\n\nhallo\n",
    )
    .await;
    let m = w.wait_final(&refused).await;
    assert_eq!(m.state, QueueState::Failed);
    assert_eq!(m.recipients[0].status, RecipientStatus::Failed);
    let reply = m.recipients[0].last_reply.clone().unwrap();
    assert!(
        reply.starts_with("550 5.6.7 SMTPUTF8 is required"),
        "{reply}"
    );
    w.wait_final(&format!("{refused}-dsn1")).await;
    let bounce = w
        .entries("zoe@example.org")
        .await
        .into_iter()
        .map(|(_, text)| text)
        .find(|t| t.contains("Undelivered Mail"))
        .expect("a bounce");
    assert!(bounce.contains("Status: 5.6.7"), "{bounce}");
    assert!(
        bounce.contains("SMTPUTF8 is required, but was not offered by host nomx.test[127.0.0.3]"),
        "{bounce}"
    );

    // Asked for SMTPUTF8 but all ASCII: nothing needs it, so it goes.
    let ascii = mismo_testkit::enqueue_smtputf8(
        &w.store,
        "zoe@example.org",
        &["x@nomx.test"],
        "From: zoe@example.org\nSubject: plain\n\nhallo\n",
    )
    .await;
    let m = w.wait_final(&ascii).await;
    assert_eq!(m.state, QueueState::Delivered, "{:?}", m.recipients);
    let start = Instant::now();
    while off.messages().is_empty() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let got = &off.messages()[0];
    assert_eq!(got["smtp_utf8"], false, "{got}");
}

#[tokio::test]
async fn a_bounce_quotes_the_remote_reply_as_sent_and_names_the_host() {
    let mut w = world(&[("127.0.0.4", &["-f", "rcpt"])]).await;
    w.start_worker(&[]);
    let id = w
        .enqueue(
            "zoe@example.org",
            &["nobody@bad.test"],
            "Subject: doomed\n\nbody\n",
        )
        .await;
    let m = w.wait_final(&id).await;
    // smtp-sink -f rcpt answers RCPT with `500 5.3.0 Error: command failed`.
    assert_eq!(
        m.recipients[0].last_reply.as_deref(),
        Some("host mx.bad.test[127.0.0.4] said: 500 5.3.0 Error: command failed (in reply to RCPT TO command)")
    );
    let bounce = w.wait_entry("zoe@example.org").await;
    assert!(bounce.contains("Status: 5.3.0\r\n"), "{bounce}");
    assert!(
        bounce.contains("Remote-MTA: dns; mx.bad.test\r\n"),
        "{bounce}"
    );
    assert!(
        bounce.contains("Diagnostic-Code: smtp; 500 5.3.0 Error: command failed\r\n"),
        "{bounce}"
    );
    assert!(!bounce.contains("permanent error"), "{bounce}");
}

#[tokio::test]
async fn a_451_that_outlives_the_queue_is_never_called_permanent() {
    let mut w = world(&[("127.0.0.5", &["-r", "rcpt"])]).await;
    w.start_worker(&[("RETRY_SCHEDULE", "1s"), ("MAX_QUEUE_LIFETIME", "3s")]);
    let id = w
        .enqueue("zoe@example.org", &["x@later.test"], "Subject: x\n\nhi\n")
        .await;
    w.wait_final(&id).await;
    let bounce = w.wait_entry("zoe@example.org").await;
    assert!(bounce.contains("Status: 4."), "{bounce}");
    assert!(bounce.contains("Diagnostic-Code: smtp; 4"), "{bounce}");
    assert!(!bounce.contains("permanent"), "{bounce}");
    assert!(bounce.contains("MAX_QUEUE_LIFETIME"), "{bounce}");
}

#[tokio::test]
async fn a_utf8_sender_forwarded_by_an_alias_leaves_with_a_valid_srs_sender() {
    let mut w = world(&[]).await;
    // fwd@example.org forwards to friend@nomx.test, whose host takes UTF-8.
    let next = Aiosmtpd::start("127.0.0.3", w.port, true);
    w.start_worker(&[]);
    let id = mismo_testkit::enqueue_smtputf8(
        &w.store,
        "aliçe@far.test",
        &["fwd@example.org"],
        "From: aliçe@far.test\nSubject: weiter\n\nhallo\n",
    )
    .await;
    let m = w.wait_final(&id).await;
    assert_eq!(m.state, QueueState::Delivered, "{:?}", m.recipients);
    let got = &next.messages()[0];
    assert_eq!(got["rcpt_tos"][0], "friend@nomx.test");
    let sender = got["mail_from"].as_str().unwrap().to_string();
    assert!(
        sender.starts_with("SRS0=") && sender.ends_with("=far.test=aliçe@example.org"),
        "{sender}"
    );
    // Valid: Perl's Mail::SRS, given the cluster's key, finds the
    // original sender behind it.
    let key = w.store.cluster_secret("srs").await.unwrap();
    assert_eq!(
        mismo_testkit::mail_srs("reverse", &key, &sender, ""),
        "aliçe@far.test"
    );
}
