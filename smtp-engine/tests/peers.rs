//! Load from Postfix's smtp-source, and Python's smtplib on submission.

mod common;

use std::process::Command;

use common::{queue_id, start, ZOE_PASSWORD};
use mismo_core::model::QueueState;

#[tokio::test]
async fn smtp_source_with_20_parallel_sessions() {
    let e = start(&[]).await;
    let out = Command::new("/usr/sbin/smtp-source")
        .args([
            "-s",
            "20",
            "-m",
            "300",
            "-l",
            "4096",
            "-f",
            "a@far.test",
            "-t",
            "zoe@example.org",
        ])
        .arg(e.mx.to_string())
        .output()
        .expect("smtp-source (Debian package postfix) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let queued = e.queued().await;
    assert_eq!(
        queued.len(),
        300,
        "every message of every session stored once"
    );
    for msg in &queued {
        assert_eq!(msg.state, QueueState::Enqueued);
        assert_eq!(msg.recipients[0].address, "zoe@example.org");
        // smtp-source's 4096-octet body plus its headers and our Received.
        assert!(msg.blob.size > 4096, "{}", msg.blob.size);
    }
    let (_, detail) = mismo_testkit::service::http_get(e.status, "/status/detail");
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["messages"]["accepted_since_start"], 300, "{detail}");
}

#[tokio::test]
async fn smtplib_submission_with_smtputf8() {
    let e = start(&[]).await;
    let path = e.server.data_dir().join("utf8.eml");
    std::fs::write(
        &path,
        "From: zoe@example.org\r\nTo: jürgen@far.test\r\nSubject: Grüße\r\n\r\nHallo Jürgen\r\n",
    )
    .unwrap();
    let port = e.submission.port().to_string();
    let (code, out) = e.python(
        "send.py",
        &[
            "127.0.0.1",
            &port,
            "starttls",
            "zoe@example.org",
            ZOE_PASSWORD,
            "zoe@example.org",
            "jürgen@far.test",
            &path.display().to_string(),
            "SMTPUTF8",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let id = queue_id(&out);
    let msg = e.queued_one(&id).await;
    assert_eq!(msg.recipients[0].address, "jürgen@far.test");
    // Kept for the relay, which needs a next hop that offers SMTPUTF8 too.
    assert!(msg.smtputf8);
    // The trace header names the protocol: SMTPUTF8 over TLS, authenticated.
    let raw = String::from_utf8(e.raw(&id).await).unwrap();
    assert!(raw.contains(" with UTF8SMTPSA id "), "{raw}");
    // Without SMTPUTF8 the same address is refused (RFC 6531 3.4).
    let (code, out) = e.python(
        "send.py",
        &[
            "127.0.0.1",
            &port,
            "starttls",
            "zoe@example.org",
            ZOE_PASSWORD,
            "zoe@example.org",
            "jürgen@far.test",
            &path.display().to_string(),
        ],
    );
    assert!(code != 0 || out.contains("RCPT 553"), "{out}");
    // DSN parameters are kept with the message.
    let (code, out) = e.python("dsn.py", &["127.0.0.1", &e.mx.port().to_string()]);
    assert_eq!(code, 0, "{out}");
    let msg = e.queued_one(&queue_id(&out)).await;
    assert_eq!(msg.dsn.ret.as_deref(), Some("HDRS"));
    assert_eq!(msg.dsn.envid.as_deref(), Some("QQ314159"));
    assert_eq!(msg.recipients[0].notify.as_deref(), Some("FAILURE,DELAY"));
    assert_eq!(
        msg.recipients[0].orcpt.as_deref(),
        Some("rfc822;Zoe@Example.org")
    );
}
