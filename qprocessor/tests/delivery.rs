//! qprocessor against a real store, a real BIND9 and smtp-sink MX hosts.

mod common;

use std::time::Duration;

use common::world;
use mismo_core::model::{MailboxEntry, QueueState, RecipientStatus};

#[tokio::test]
async fn mx_hosts_are_tried_in_preference_order_with_fallback_on_4xx() {
    // mx1 (preference 10) answers RCPT with 4xx, mx2 (20) accepts.
    let mut w = world(&[("127.0.0.2", &["-r", "rcpt"]), ("127.0.0.3", &[])]).await;
    w.start_worker(&[]);
    let id = w
        .enqueue(
            "zoe@example.org",
            &["friend@far.test"],
            "Subject: fallback\n\nhello\n",
        )
        .await;
    let m = w.wait_final(&id).await;
    assert_eq!(m.state, QueueState::Delivered, "{:?}", m.recipients);
    let reply = m.recipients[0].last_reply.clone().unwrap();
    assert!(reply.contains("127.0.0.3"), "{reply}");
    let got = w.sink("127.0.0.3").messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpts, ["friend@far.test"]);
    assert_eq!(got[0].mail_from, "zoe@example.org");
    assert!(got[0].text.contains("Subject: fallback"));
    assert!(w.sink("127.0.0.2").messages().is_empty());
    // The order is in the log: mx1 refused first, then mx2 took it.
    let log = w.logs();
    let first = log.find("127.0.0.2").expect("mx1 tried");
    let second = log.find("127.0.0.3").expect("mx2 tried");
    assert!(first < second, "{log}");
    assert!(
        log[first..].lines().next().unwrap().contains("45"),
        "mx1 answered 4xx: {log}"
    );
}

#[tokio::test]
async fn no_mx_uses_the_address_record_and_null_mx_fails() {
    let mut w = world(&[("127.0.0.3", &[])]).await;
    w.start_worker(&[]);
    let a = w
        .enqueue(
            "zoe@example.org",
            &["x@nomx.test"],
            "Subject: implicit mx\n\nhi\n",
        )
        .await;
    let n = w
        .enqueue(
            "zoe@example.org",
            &["x@nullmx.test"],
            "Subject: null mx\n\nhi\n",
        )
        .await;
    let a = w.wait_final(&a).await;
    assert_eq!(a.state, QueueState::Delivered, "{:?}", a.recipients);
    assert_eq!(w.sink("127.0.0.3").messages()[0].rcpts, ["x@nomx.test"]);
    let n = w.wait_final(&n).await;
    assert_eq!(n.state, QueueState::Failed);
    assert!(
        n.recipients[0]
            .last_reply
            .as_deref()
            .unwrap()
            .contains("5.1.10"),
        "{:?}",
        n.recipients
    );
    // The local sender gets the bounce.
    let bounce = w.wait_final(&format!("{n}-dsn1", n = n.id)).await;
    assert_eq!(bounce.state, QueueState::Delivered);
}

#[tokio::test]
async fn a_5xx_recipient_bounces_a_dsn_into_the_local_senders_mailbox() {
    let mut w = world(&[("127.0.0.4", &["-f", "rcpt"])]).await;
    w.start_worker(&[]);
    let id = w
        .enqueue("zoe@example.org", &["nobody@bad.test"], "From: zoe@example.org\nTo: nobody@bad.test\nSubject: doomed\nMessage-ID: <doomed@example.org>\n\nbody\n")
        .await;
    let m = w.wait_final(&id).await;
    assert_eq!(m.state, QueueState::Failed);
    assert_eq!(m.recipients[0].status, RecipientStatus::Failed);
    assert!(
        m.recipients[0]
            .last_reply
            .as_deref()
            .unwrap()
            .contains(" said: 5"),
        "{:?}",
        m.recipients
    );
    let bounce = w.wait_final(&format!("{id}-dsn1")).await;
    assert_eq!(bounce.mail_from, "", "bounces use the null sender");
    let entries = w.entries("zoe@example.org").await;
    assert_eq!(entries.len(), 1);
    let (entry, text) = &entries[0];
    assert_eq!(
        entry.subject.as_deref(),
        Some("Undelivered Mail Returned to Sender")
    );
    for needle in [
        "multipart/report",
        "report-type=\"delivery-status\"",
        "message/delivery-status",
        "Reporting-MTA: dns; mx.example.org",
        "Final-Recipient: rfc822; nobody@bad.test",
        "Action: failed",
        "Status: 5.",
        "text/rfc822-headers",
        "Message-ID: <doomed@example.org>",
        "Auto-Submitted: auto-replied",
    ] {
        assert!(text.contains(needle), "{needle} missing in:\n{text}");
    }
    assert!(
        !text.contains("\r\nbody\r\n"),
        "RET=HDRS by default: headers only"
    );
}

#[tokio::test]
async fn a_failing_null_sender_message_bounces_nowhere() {
    let mut w = world(&[("127.0.0.4", &["-f", "rcpt"])]).await;
    w.start_worker(&[]);
    let id = w
        .enqueue("", &["nobody@bad.test"], "Subject: a bounce itself\n\nx\n")
        .await;
    let m = w.wait_final(&id).await;
    assert_eq!(m.state, QueueState::Failed);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        w.store.list_queued(None, 10).await.unwrap().len(),
        1,
        "no bounce of a bounce"
    );
}

#[tokio::test]
async fn local_delivery_aliases_catch_all_loops_and_quota() {
    let mut w = world(&[("127.0.0.3", &[])]).await;
    w.start_worker(&[]);
    let big = format!("Subject: big\n\n{}\n", "x".repeat(500));
    let id = w
        .enqueue(
            "a@far.test",
            &[
                "zoe@example.org",
                "team@example.org",
                "chain@example.org",
                "anyone@catch.test",
                "loop1@example.org",
                "fwd@example.org",
            ],
            "Subject: to many\n\nhello all\n",
        )
        .await;
    let q = w
        .enqueue("zoe@example.org", &["tiny@example.org"], &big)
        .await;
    let m = w.wait_final(&id).await;
    let by_rcpt = |a: &str| {
        m.recipients
            .iter()
            .find(|r| r.address == a)
            .unwrap()
            .clone()
    };
    for ok in [
        "zoe@example.org",
        "team@example.org",
        "chain@example.org",
        "anyone@catch.test",
        "fwd@example.org",
    ] {
        assert_eq!(
            by_rcpt(ok).status,
            RecipientStatus::Delivered,
            "{ok}: {:?}",
            by_rcpt(ok)
        );
    }
    let looped = by_rcpt("loop1@example.org");
    assert_eq!(looped.status, RecipientStatus::Failed);
    assert!(looped.last_reply.unwrap().contains("5.4.6"));
    // One entry per mailbox, however many ways the message reached it (zoe
    // may also have the bounce of the second message by now).
    let of_id = |entries: Vec<(MailboxEntry, String)>| {
        entries
            .into_iter()
            .filter(|(e, _)| e.queue_id == id)
            .count()
    };
    assert_eq!(of_id(w.entries("zoe@example.org").await), 1);
    assert_eq!(of_id(w.entries("bob@example.org").await), 1);
    let (entry, text) = &w.entries("bob@example.org").await[0];
    assert_eq!(entry.subject.as_deref(), Some("to many"));
    assert!(text.contains("hello all"));
    // The alias to a remote address was relayed.
    // (The same host is far.test's second MX, which may have the bounce for
    // loop1 by now.)
    let relayed: Vec<_> = w
        .sink("127.0.0.3")
        .messages()
        .into_iter()
        .filter(|m| m.text.contains("hello all"))
        .collect();
    assert_eq!(relayed.len(), 1);
    assert_eq!(relayed[0].rcpts, ["friend@nomx.test"]);

    let q = w.wait_final(&q).await;
    assert_eq!(q.state, QueueState::Failed);
    assert!(
        q.recipients[0]
            .last_reply
            .as_deref()
            .unwrap()
            .contains("5.2.2"),
        "{:?}",
        q.recipients
    );
    assert!(w.entries("tiny@example.org").await.is_empty());
    // ... and zoe, the sender, has the bounce (besides the message above).
    w.wait_final(&format!("{}-dsn1", q.id)).await;
    let zoe = w.entries("zoe@example.org").await;
    assert!(zoe
        .iter()
        .any(|(e, _)| e.subject.as_deref() == Some("Undelivered Mail Returned to Sender")));
}

#[tokio::test]
async fn a_deferral_is_retried_on_the_schedule() {
    let mut w = world(&[("127.0.0.5", &["-r", "rcpt"])]).await;
    w.start_worker(&[("RETRY_SCHEDULE", "2s")]);
    let id = w
        .enqueue(
            "zoe@example.org",
            &["x@later.test"],
            "Subject: later\n\nhi\n",
        )
        .await;
    let m = w
        .wait(&id, |m| m.attempts >= 1 && m.state == QueueState::Enqueued)
        .await;
    assert_eq!(m.recipients[0].status, RecipientStatus::Deferred);
    assert!(
        m.due_at > m.received_at + 1000,
        "due again after the schedule's delay"
    );
    // The host recovers.
    w.restart_sink("127.0.0.5", &[]);
    let m = w.wait_final(&id).await;
    assert_eq!(m.state, QueueState::Delivered);
    assert!(m.attempts >= 2, "{}", m.attempts);
    assert_eq!(w.sink("127.0.0.5").messages().len(), 1);
}

#[tokio::test]
async fn a_deferral_past_the_queue_lifetime_bounces() {
    let mut w = world(&[("127.0.0.5", &["-r", "rcpt"])]).await;
    w.start_worker(&[("RETRY_SCHEDULE", "1s"), ("MAX_QUEUE_LIFETIME", "3s")]);
    let id = w
        .enqueue(
            "zoe@example.org",
            &["x@later.test"],
            "Subject: expires\n\nhi\n",
        )
        .await;
    let m = w.wait_final(&id).await;
    assert_eq!(m.state, QueueState::Failed);
    assert!(m.recipients[0]
        .last_reply
        .as_deref()
        .unwrap()
        .contains("MAX_QUEUE_LIFETIME"));
    assert!(m.attempts >= 2);
}

#[tokio::test]
async fn submitted_mail_of_local_domains_is_dkim_signed_and_nothing_else() {
    let mut w = world(&[("127.0.0.3", &[])]).await;
    w.start_worker(&[]);
    // Mail that came in on the MX port with a local sender (forged or not)
    // and leaves through a forwarding alias is not signed.
    let forwarded = w
        .enqueue(
            "ceo@example.org",
            &["x@nomx.test"],
            "From: ceo@example.org\nTo: x@nomx.test\nSubject: unsigned\n\nwire money\n",
        )
        .await;
    w.wait_final(&forwarded).await;
    let id = mismo_testkit::enqueue_submitted(
        &w.store,
        "zoe@example.org",
        "zoe@example.org",
        &["x@nomx.test"],
        "From: zoe@example.org\nTo: x@nomx.test\nSubject: signed\n\nhi\n",
    )
    .await;
    w.wait_final(&id).await;
    // The sink lists what it received in no particular order.
    let messages = w.sink("127.0.0.3").messages();
    assert_eq!(messages.len(), 2);
    let with_subject = |subject: &str| {
        messages
            .iter()
            .find(|m| {
                m.text
                    .lines()
                    .any(|l| l.trim_end() == format!("Subject: {subject}"))
            })
            .unwrap_or_else(|| panic!("no {subject} message"))
    };
    let unsigned = with_subject("unsigned");
    assert!(
        !unsigned.text.contains("DKIM-Signature"),
        "{}",
        unsigned.text
    );
    let got = with_subject("signed");
    assert!(got.text.starts_with("DKIM-Signature: "), "{}", got.text);
    assert!(
        got.text.contains("d=example.org") && got.text.contains("s=mismo"),
        "{}",
        got.text
    );
    let (name, value) = w.dkim_record("example.org").await;
    assert_eq!(name, "mismo._domainkey.example.org");
    assert!(value.starts_with("v=DKIM1; k=rsa; p="));
    // The signature verifies against the published key (checked with dkimpy).
    w.assert_dkim_verifies(&got.text, &value);
}

/// Forwards connections made to `listen` on to `to`, counting them.
async fn counting_proxy(
    listen: std::net::SocketAddr,
    to: std::net::SocketAddr,
) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&count);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut server) = tokio::net::TcpStream::connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    count
}

#[tokio::test]
async fn messages_to_one_host_share_a_connection() {
    let mut w = world(&[("127.0.0.3", &[])]).await;
    // later.test's MX is 127.0.0.5: a proxy there counts connections and
    // passes them to the sink.
    let sink = w.sink("127.0.0.3").addr;
    let connections = counting_proxy(format!("127.0.0.5:{}", w.port).parse().unwrap(), sink).await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let body = format!("Subject: reuse {i}\nX-Seq: {i}\n\nmessage {i}\n");
        ids.push(w.enqueue("zoe@example.org", &["x@later.test"], &body).await);
    }
    // One at a time: each finds the connection the one before parked.
    w.start_worker(&[("QPROCESSOR_CONCURRENCY", "1")]);
    for id in &ids {
        let m = w.wait_final(id).await;
        assert_eq!(m.state, QueueState::Delivered, "{:?}", m.recipients);
    }
    let mut seqs: Vec<String> = w
        .sink("127.0.0.3")
        .messages()
        .iter()
        .filter_map(|m| {
            m.text
                .lines()
                .find_map(|l| l.strip_prefix("X-Seq: "))
                .map(str::to_string)
        })
        .collect();
    seqs.sort();
    assert_eq!(seqs, (0..8).map(|i| i.to_string()).collect::<Vec<_>>());
    let n = connections.load(std::sync::atomic::Ordering::SeqCst);
    assert!(n <= 2, "{n} connections for 8 messages\n{}", w.logs());
}

#[tokio::test]
async fn a_relayed_message_reaches_the_next_hop_as_exactly_one() {
    let mut w = world(&[("127.0.0.3", &[])]).await;
    w.start_worker(&[]);
    // Bytes as BDAT keeps them: a bare LF before a dot line, then what
    // would be a second message if the next hop took `<LF>.<CRLF>` for the
    // end of the data (smtp-sink does).
    let raw = b"Subject: one\r\n\r\nfirst part\n.\r\nMAIL FROM:<ceo@bank.test>\r\n\
RCPT TO:<x@nomx.test>\r\nDATA\r\nSubject: forged\r\n\r\nforged\r\n.\rlast line\r\n";
    let id = mismo_testkit::enqueue_raw(&w.store, "zoe@example.org", &["x@nomx.test"], raw).await;
    let m = w.wait_final(&id).await;
    assert_eq!(m.state, QueueState::Delivered, "{:?}", m.recipients);
    let got = w.sink("127.0.0.3").messages();
    assert_eq!(got.len(), 1, "{got:?}");
    let text = &got[0].text;
    assert_eq!(got[0].mail_from, "zoe@example.org");
    // smtp-sink writes each line with LF, and one LF of its own at the end.
    for part in [
        "first part\n",
        "\nMAIL FROM:<ceo@bank.test>\n",
        "forged\n",
        "\nlast line\n",
    ] {
        assert!(text.contains(part), "{part:?} missing from {text:?}");
    }
    // No bare CR went out, and no empty line was added at the end.
    assert!(!text.contains('\r'), "{text:?}");
    assert!(text.ends_with("last line\n\n"), "{text:?}");
    assert!(!text.ends_with("last line\n\n\n"), "{text:?}");
}

#[tokio::test]
async fn postfix_as_the_next_hop_receives_exactly_one_message() {
    let mut w = world(&[]).await;
    // A receiver that takes a bare LF before the dot for the end of the
    // data, as Postfix does unless smtpd_forbid_bare_newline is set.
    let postfix = mismo_testkit::postfix::Postfix::start(
        format!("127.0.0.5:{}", w.port).parse().unwrap(),
        &["later.test"],
        &["smtpd_forbid_bare_newline = no"],
    );
    w.start_worker(&[]);
    // Every published way of ending DATA early, each followed by a second,
    // forged transaction.
    let mut raw = b"Subject: one\r\n\r\nstart\r\n".to_vec();
    for (n, end) in ["\n.\r\n", "\r\n.\n", "\n.\n", "\r.\r\n", "\r\n.\r", "\n.\r"]
        .iter()
        .enumerate()
    {
        raw.extend_from_slice(end.as_bytes());
        raw.extend_from_slice(
            format!(
                "MAIL FROM:<ceo{n}@bank.test>\r\nRCPT TO:<x@later.test>\r\nDATA\r\n\
                 Subject: forged {n}\r\n\r\nforged\r\n.\r\n"
            )
            .as_bytes(),
        );
    }
    raw.extend_from_slice(b"last line\r\n");
    let id = mismo_testkit::enqueue_raw(&w.store, "zoe@example.org", &["x@later.test"], &raw).await;
    let m = w.wait_final(&id).await;
    assert_eq!(
        m.state,
        QueueState::Delivered,
        "{:?}\n{}",
        m.recipients,
        postfix.log()
    );
    // The first disconnect is the probe that waited for its port.
    let log = postfix.wait_for(" disconnect from ", 2, Duration::from_secs(20));
    // Postfix queued one message, from Mismo's sender, in one transaction.
    let queued: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("qmgr[") && l.contains(": from=<"))
        .collect();
    assert_eq!(queued.len(), 1, "{log}");
    assert!(queued[0].contains("from=<zoe@example.org>"), "{log}");
    assert!(!log.contains("bank.test"), "{log}");
    assert!(log.contains(" mail=1 rcpt=1 data=1 "), "{log}");
}

#[tokio::test]
async fn forwarded_mail_leaves_with_an_srs_sender_and_its_bounce_finds_the_way_back() {
    // nomx.test takes the forward; far.test's mx1 is where alice lives.
    let mut w = world(&[("127.0.0.3", &[]), ("127.0.0.2", &[])]).await;
    w.start_worker(&[]);
    let original = "DKIM-Signature: v=1; a=rsa-sha256; d=far.test; s=sel; h=from; bh=x; b=y\n\
                    From: alice@far.test\nSubject: pass it on\n\nhello\n";
    let id = w
        .enqueue("alice@far.test", &["fwd@example.org"], original)
        .await;
    let m = w.wait_final(&id).await;
    assert_eq!(m.state, QueueState::Delivered, "{:?}", m.recipients);
    let got = &w.sink("127.0.0.3").messages()[0];
    assert_eq!(got.rcpts, ["friend@nomx.test"]);
    // The envelope sender is in the alias's domain, in the form other
    // forwarders read: Perl's Mail::SRS, given the cluster's key, finds
    // alice behind it.
    let sender = got.mail_from.clone();
    assert!(
        sender.starts_with("SRS0=") && sender.ends_with("=far.test=alice@example.org"),
        "{sender}"
    );
    let key = w.store.cluster_secret("srs").await.unwrap();
    assert_eq!(
        mismo_testkit::mail_srs("reverse", &key, &sender, ""),
        "alice@far.test"
    );
    // The original signature travels untouched, and no second one is
    // added: the message is not ours to sign.
    assert_eq!(
        got.text.matches("DKIM-Signature:").count(),
        1,
        "{}",
        got.text
    );
    assert!(got.text.contains("d=far.test; s=sel"), "{}", got.text);

    // The next hop bounces it to that address: the bounce reaches alice.
    let bounce = w
        .enqueue("", &[&sender], "Subject: Undelivered Mail\n\nfailed\n")
        .await;
    let m = w.wait_final(&bounce).await;
    assert_eq!(m.state, QueueState::Delivered, "{:?}", m.recipients);
    let back = &w.sink("127.0.0.2").messages()[0];
    assert_eq!(back.rcpts, ["alice@far.test"]);
    assert_eq!(back.mail_from, "");
    // An address Mail::SRS made with another key is not reversed: the
    // bounce would be a way to send anywhere.
    let forged =
        mismo_testkit::mail_srs("forward", b"not the key", "mallory@far.test", "example.org");
    let refused = w.enqueue("", &[&forged], "Subject: x\n\nx\n").await;
    let m = w.wait_final(&refused).await;
    assert_eq!(m.state, QueueState::Failed, "{:?}", m.recipients);
    assert!(
        m.recipients[0]
            .last_reply
            .as_deref()
            .unwrap_or("")
            .contains("hash"),
        "{:?}",
        m.recipients
    );
}

#[tokio::test]
async fn an_alias_retrying_one_forward_does_not_resend_to_the_others() {
    // far.test's mx1 takes mail; later.test's host answers RCPT with 4xx.
    let mut w = world(&[("127.0.0.2", &[]), ("127.0.0.5", &["-r", "rcpt"])]).await;
    mismo_core::admin::Admin::new(&w.store)
        .add_alias(
            "split@example.org",
            &["a@far.test".into(), "b@later.test".into()],
        )
        .await
        .unwrap();
    w.start_worker(&[("RETRY_SCHEDULE", "1s")]);
    let id = w
        .enqueue(
            "x@far.test",
            &["split@example.org"],
            "Subject: fan out\n\nhi\n",
        )
        .await;
    let m = w.wait(&id, |m| m.attempts >= 3).await;
    assert_eq!(m.recipients[0].status, RecipientStatus::Deferred);
    assert_eq!(m.recipients[0].forwarded, ["a@far.test"]);
    assert_eq!(
        w.sink("127.0.0.2").messages().len(),
        1,
        "three attempts, one copy for the forward that took it"
    );
    // later.test recovers: its copy goes, and still one for far.test.
    w.restart_sink("127.0.0.5", &[]);
    let m = w.wait_final(&id).await;
    assert_eq!(m.state, QueueState::Delivered, "{:?}", m.recipients);
    assert_eq!(w.sink("127.0.0.5").messages().len(), 1);
    assert_eq!(w.sink("127.0.0.2").messages().len(), 1);
}
