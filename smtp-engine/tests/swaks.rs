//! The engine as swaks (a client nobody here wrote) sees it.

mod common;

use common::{queue_id, start, strip_received, ZOE_PASSWORD};
use mismo_core::model::QueueState;

#[tokio::test]
async fn mx_accepts_local_mail_and_stores_it_before_250() {
    let e = start(&[]).await;
    let dir = tempfile_path(&e, "plain.eml");
    // swaks ends the data it sends with CRLF itself.
    let body = b"From: a@far.test\r\nTo: zoe@example.org\r\nSubject: plain\r\n\r\nHello over plain SMTP.\r\n";
    std::fs::write(&dir, &body[..body.len() - 2]).unwrap();
    let (code, out) = e.swaks(&[
        "--server",
        &e.mx.to_string(),
        "--from",
        "a@far.test",
        "--to",
        "Zoe@Example.org",
        "--data",
        &format!("@{}", dir.display()),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("<~  250 2.0.0 Ok: queued as ")
            || out.contains("<-  250 2.0.0 Ok: queued as "),
        "{out}"
    );
    let id = queue_id(&out);
    let msg = e.queued_one(&id).await;
    assert_eq!(msg.state, QueueState::Enqueued);
    assert_eq!(msg.mail_from, "a@far.test");
    assert_eq!(msg.recipients.len(), 1);
    assert_eq!(msg.recipients[0].address, "zoe@example.org");
    assert_eq!(msg.origin.listener, "mx");
    assert_eq!(msg.origin.helo, "client.far.test");
    assert_eq!(msg.headers.subject.as_deref(), Some("plain"));
    let raw = e.raw(&id).await;
    assert_eq!(strip_received(&raw), body);
    let received = String::from_utf8_lossy(&raw[..raw.len() - body.len()]).into_owned();
    assert!(
        received.contains(&format!("by mx.example.org (Mismo) with ESMTP id {id}")),
        "{received}"
    );
    assert!(received.contains("for <zoe@example.org>"), "{received}");
}

#[tokio::test]
async fn local_recipient_policy_on_the_mx_port() {
    let e = start(&[]).await;
    let mx = e.mx.to_string();
    let rcpt = |to: &str| {
        e.swaks(&[
            "--server",
            &mx,
            "--from",
            "a@far.test",
            "--to",
            to,
            "--quit-after",
            "RCPT",
        ])
    };
    for ok in ["zoe@example.org", "info@example.org", "anyone@catch.test"] {
        let (code, out) = rcpt(ok);
        assert_eq!(code, 0, "{ok}: {out}");
        assert!(out.contains("250 2.1.5"), "{out}");
    }
    let (code, out) = rcpt("nobody@example.org");
    assert_eq!(code, 24, "{out}");
    assert!(out.contains("550 5.1.1"), "{out}");
    let (code, out) = rcpt("off@example.org");
    assert_eq!(code, 24, "{out}");
    assert!(out.contains("550 5.2.1"), "{out}");
    let (code, out) = rcpt("x@closed.test");
    assert_eq!(code, 24, "{out}");
    assert!(out.contains("550 5.2.1"), "{out}");
    // No open relay.
    let (code, out) = rcpt("someone@far.test");
    assert_eq!(code, 24, "{out}");
    assert!(
        out.contains("554 5.7.1") && out.contains("Relay access denied"),
        "{out}"
    );
    // Bounces to SRS addresses: one made with the cluster's key (here by
    // Perl's Mail::SRS) is taken; one made with another key, or an
    // SRS-looking address that is no such thing, is refused.
    let key = e.store.cluster_secret("srs").await.unwrap();
    let made = mismo_testkit::mail_srs("forward", &key, "alice@far.test", "example.org");
    let (code, out) = rcpt(&made);
    assert_eq!(code, 0, "{made}: {out}");
    let forged = mismo_testkit::mail_srs("forward", b"guess", "alice@far.test", "example.org");
    for bad in [forged.as_str(), "SRS0=xxxx@example.org"] {
        let (code, out) = rcpt(bad);
        assert_eq!(code, 24, "{bad}: {out}");
        assert!(out.contains("550 5.1.1"), "{out}");
    }
    assert!(e.queued().await.is_empty());
}

#[tokio::test]
async fn submission_with_starttls_and_auth_plain_or_login_may_relay() {
    let e = start(&[]).await;
    let sub = e.submission.to_string();
    // Without TLS, no AUTH is offered, and MAIL needs it.
    let (code, out) = e.swaks(&[
        "--server",
        &sub,
        "--from",
        "zoe@example.org",
        "--to",
        "x@far.test",
        "--quit-after",
        "RCPT",
    ]);
    assert_eq!(code, 23, "{out}");
    assert!(out.contains("530 5.7.0"), "{out}");
    assert!(!out.contains("250-AUTH"), "{out}");

    for mech in ["PLAIN", "LOGIN"] {
        let (code, out) = e.swaks(&[
            "--server",
            &sub,
            "-tls",
            "--auth",
            mech,
            "--auth-user",
            "zoe@example.org",
            "--auth-password",
            ZOE_PASSWORD,
            "--from",
            "zoe@example.org",
            "--to",
            "friend@far.test",
        ]);
        assert_eq!(code, 0, "{mech}: {out}");
        assert!(out.contains("235 2.7.0"), "{out}");
        let msg = e.queued_one(&queue_id(&out)).await;
        assert_eq!(msg.origin.auth_user.as_deref(), Some("zoe@example.org"));
        assert_eq!(msg.origin.listener, "submission");
        assert_eq!(msg.recipients[0].address, "friend@far.test");
        let raw = String::from_utf8_lossy(&e.raw(&msg.id).await).into_owned();
        assert!(raw.contains("with ESMTPSA id"), "{raw}");
    }

    // Implicit TLS.
    let (code, out) = e.swaks(&[
        "--server",
        &e.smtps.to_string(),
        "--tls-on-connect",
        "--auth",
        "PLAIN",
        "--auth-user",
        "zoe@example.org",
        "--auth-password",
        ZOE_PASSWORD,
        "--from",
        "zoe@example.org",
        "--to",
        "friend@far.test",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(e.queued_one(&queue_id(&out)).await.origin.listener, "smtps");

    // A wrong password.
    let (code, out) = e.swaks(&[
        "--server",
        &sub,
        "-tls",
        "--auth",
        "PLAIN",
        "--auth-user",
        "zoe@example.org",
        "--auth-password",
        "wrong",
        "--from",
        "zoe@example.org",
        "--to",
        "friend@far.test",
    ]);
    assert_eq!(code, 28, "{out}");
    assert!(out.contains("535 5.7.8"), "{out}");
    // A disabled mailbox cannot log in.
    let (code, out) = e.swaks(&[
        "--server",
        &sub,
        "-tls",
        "--auth",
        "LOGIN",
        "--auth-user",
        "off@example.org",
        "--auth-password",
        "off's long password",
        "--from",
        "off@example.org",
        "--to",
        "friend@far.test",
    ]);
    assert_eq!(code, 28, "{out}");
}

#[tokio::test]
async fn authenticated_users_send_only_as_themselves_or_their_aliases() {
    let e = start(&[]).await;
    let sub = e.submission.to_string();
    // MAIL FROM and the From header; swaks's own From header would be the
    // MAIL FROM address too.
    let send = |mail_from: &str, header_from: &str| {
        e.swaks(&[
            "--server",
            &sub,
            "-tls",
            "--auth",
            "PLAIN",
            "--auth-user",
            "zoe@example.org",
            "--auth-password",
            ZOE_PASSWORD,
            "--from",
            mail_from,
            "--to",
            "friend@far.test",
            "--header",
            &format!("From: {header_from}"),
        ])
    };
    let send_as = |from: &str| send(from, from);
    let (code, out) = send_as("bob@example.org");
    assert_eq!(code, 23, "{out}");
    assert!(out.contains("553 5.7.1"), "{out}");
    let (code, out) = send_as("sales@example.org");
    assert_eq!(code, 0, "alias of zoe: {out}");
    let (code, out) = send_as("ZOE@example.org");
    assert_eq!(code, 0, "own address in any case: {out}");

    // The From header is held to the same rule, checked at the end of DATA.
    let with_header = |from: &str| send("zoe@example.org", from);
    let before = e.queued().await.len();
    for forged in ["bob@example.org", "Zoe <zoe@example.org>, ceo@example.org"] {
        let (code, out) = with_header(forged);
        assert_ne!(code, 0, "{out}");
        assert!(
            out.contains("553 5.7.1 From header <") && out.contains("not owned by user"),
            "{out}"
        );
    }
    assert_eq!(e.queued().await.len(), before, "nothing forged was queued");
    for own in ["Zoe <zoe@example.org>", "\"Sales\" <sales@example.org>"] {
        let (code, out) = with_header(own);
        assert_eq!(code, 0, "{own}: {out}");
    }
}

/// No backscatter from quotas: a full mailbox is refused at RCPT, and a
/// message that fits none of its recipients at the end of DATA, both with
/// 452 4.2.2, instead of being accepted and bounced to a sender who may be
/// forged.
#[tokio::test]
async fn a_full_mailbox_is_refused_at_rcpt_and_at_the_end_of_data() {
    let e = start(&[]).await;
    let admin = mismo_core::admin::Admin::new(&e.store);
    admin
        .add_mailbox("full@example.org", "full's long password", 1000)
        .await
        .unwrap();
    mismo_testkit::deliver(&e.store, "full@example.org", &[b'x'; 1200]).await;
    admin
        .add_mailbox("small@example.org", "small's long password", 5000)
        .await
        .unwrap();
    let mx = e.mx.to_string();
    let (code, out) = e.swaks(&[
        "--server",
        &mx,
        "--from",
        "a@far.test",
        "--to",
        "full@example.org",
        "--quit-after",
        "RCPT",
    ]);
    assert_eq!(code, 24, "{out}");
    assert!(
        out.contains("452 4.2.2 <full@example.org>: Mailbox full"),
        "{out}"
    );

    let big = tempfile_path(&e, "ten-kb.eml");
    std::fs::write(
        &big,
        format!(
            "Subject: big\r\n\r\n{}",
            format!("{}\r\n", "x".repeat(98)).repeat(100)
        ),
    )
    .unwrap();
    let data = format!("@{}", big.display());
    let (code, out) = e.swaks(&[
        "--server",
        &mx,
        "--from",
        "a@far.test",
        "--to",
        "small@example.org",
        "--data",
        &data,
    ]);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("452 4.2.2 <small@example.org>: Mailbox full"),
        "{out}"
    );
    assert!(e.queued().await.is_empty());
    // One recipient with room is enough: one reply covers all of them, and
    // delivery deals with the full one.
    let (code, out) = e.swaks(&[
        "--server",
        &mx,
        "--from",
        "a@far.test",
        "--to",
        "small@example.org,zoe@example.org",
        "--data",
        &data,
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(e.queued().await.len(), 1);
}

#[tokio::test]
async fn oversize_messages_are_refused_with_552() {
    let e = start(&[("SMTP_MAX_MESSAGE_SIZE", "20000")]).await;
    let (_, ehlo) = e.swaks(&["--server", &e.mx.to_string(), "--quit-after", "EHLO"]);
    assert!(ehlo.contains("250-SIZE 20000"), "{ehlo}");
    let body = format!(
        "Subject: big\r\n\r\n{}\r\n",
        "0123456789012345678901234567890123456789\r\n".repeat(1000)
    );
    let path = tempfile_path(&e, "big.eml");
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
    assert_eq!(code, 26, "{out}");
    assert!(out.contains("552 5.3.4"), "{out}");
    // With SIZE= the refusal comes at MAIL already (smtplib sends it).
    let (code, out) = e.python(
        "send.py",
        &[
            "127.0.0.1",
            &e.mx.port().to_string(),
            "plain",
            "-",
            "-",
            "a@far.test",
            "zoe@example.org",
            &path.display().to_string(),
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("MAIL 552 5.3.4"), "{out}");
    assert!(e.queued().await.is_empty());
}

#[tokio::test]
async fn a_pipelined_session_is_answered_in_order() {
    let e = start(&[]).await;
    let (code, out) = e.swaks(&[
        "--server",
        &e.mx.to_string(),
        "--pipeline",
        "--from",
        "a@far.test",
        "--to",
        "zoe@example.org,nobody@example.org,bob@example.org",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("250-PIPELINING"), "{out}");
    assert!(out.contains("550 5.1.1"), "{out}");
    let msg = e.queued_one(&queue_id(&out)).await;
    let rcpts: Vec<&str> = msg.recipients.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(rcpts, ["zoe@example.org", "bob@example.org"]);
}

#[tokio::test]
async fn bdat_chunks_are_joined_byte_exact() {
    let e = start(&[]).await;
    let body: Vec<u8> = b"Subject: chunked\r\n\r\n"
        .iter()
        .copied()
        .chain((0..5000).map(|i| b"line with .dots and bytes\r\n"[i % 27]))
        .collect();
    let path = tempfile_path(&e, "bdat.eml");
    std::fs::write(&path, &body).unwrap();
    let (code, out) = e.python(
        "bdat.py",
        &[
            "127.0.0.1",
            &e.mx.port().to_string(),
            "a@far.test",
            "zoe@example.org",
            &path.display().to_string(),
            "1000",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.matches("BDAT 250 2.0.0 1000 octets received").count(),
        5,
        "{out}"
    );
    let id = queue_id(&out);
    assert_eq!(strip_received(&e.raw(&id).await), &body[..]);
    let raw = String::from_utf8_lossy(&e.raw(&id).await).into_owned();
    assert!(raw.contains("with ESMTP id"), "{raw}");
}

fn tempfile_path(e: &common::Engine, name: &str) -> std::path::PathBuf {
    e.server.data_dir().join(name)
}
