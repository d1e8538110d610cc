//! Sending limits per authenticated mailbox (SEND_LIMIT_*), counted in the
//! store, so two engines together allow no more than one would.

mod common;

use std::net::SocketAddr;

use common::{start, Engine, ZOE_PASSWORD};

/// Sends one message with smtplib over `addr` (submission with STARTTLS
/// and `user`'s login, or the MX without one); the transcript lines.
fn send(e: &Engine, addr: SocketAddr, user: Option<(&str, &str)>, rcpts: &str) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    let (mode, user, pass) = match user {
        Some((u, p)) => ("starttls", u, p),
        None => ("plain", "-", "-"),
    };
    let from = if user == "-" { "ann@far.test" } else { user };
    std::fs::write(
        file.path(),
        format!("From: {from}\r\nSubject: limits\r\n\r\nhello\r\n"),
    )
    .unwrap();
    let (_, out) = e.python(
        "send.py",
        &[
            &addr.ip().to_string(),
            &addr.port().to_string(),
            mode,
            user,
            pass,
            from,
            rcpts,
            file.path().to_str().unwrap(),
        ],
    );
    out
}

#[tokio::test]
async fn sending_limits_hold_across_two_engines() {
    let e = start(&[
        ("SEND_LIMIT_MESSAGES_PER_HOUR", "3"),
        ("SEND_LIMIT_RECIPIENTS_PER_HOUR", "4"),
    ])
    .await;
    let (_second, other) = e.another();
    let zoe = Some(("zoe@example.org", ZOE_PASSWORD));

    let out = send(&e, e.submission, zoe, "bob@example.org");
    assert!(out.contains("DATA 250"), "{out}");
    let out = send(&e, other, zoe, "a@far.test,b@far.test");
    assert!(out.contains("DATA 250"), "{out}");
    // The fourth recipient fits, the fifth does not; the message still goes
    // to the one accepted.
    let out = send(&e, e.submission, zoe, "c@far.test,d@far.test");
    assert!(out.contains("RCPT 250"), "{out}");
    assert!(
        out.contains("RCPT 450 4.7.1 Sending limit reached: 4 recipients an hour"),
        "{out}"
    );
    assert!(out.contains("DATA 250"), "{out}");
    // Three messages were sent: the fourth is refused at MAIL, on either
    // engine.
    for addr in [other, e.submission] {
        let out = send(&e, addr, zoe, "bob@example.org");
        assert!(
            out.contains("MAIL 450 4.7.1 Sending limit reached: 3 messages an hour"),
            "{out}"
        );
    }
    // Other senders are not held back: another login, or mail from outside.
    let out = send(
        &e,
        other,
        Some(("bob@example.org", "bob's long password")),
        "zoe@example.org",
    );
    assert!(out.contains("DATA 250"), "{out}");
    let out = send(&e, e.mx, None, "zoe@example.org");
    assert!(out.contains("DATA 250"), "{out}");

    let to: Vec<String> = e
        .queued()
        .await
        .iter()
        .flat_map(|m| m.recipients.iter().map(|r| r.address.clone()))
        .collect();
    assert!(to.contains(&"c@far.test".to_string()), "{to:?}");
    assert!(!to.contains(&"d@far.test".to_string()), "{to:?}");
    assert_eq!(to.len(), 6, "{to:?}");
}
