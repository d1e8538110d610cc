use mismo_core::sasl;

use super::*;

fn cfg(listener: Listener) -> Arc<SessionConfig> {
    Arc::new(SessionConfig {
        hostname: "mx.example.org".into(),
        listener,
        max_message_size: 1000,
        max_recipients: 3,
        tls_available: true,
    })
}

fn session(listener: Listener, tls: bool) -> Session {
    Session::new(cfg(listener), "127.0.0.1".parse().unwrap(), tls)
}

fn cmd(s: &mut Session, line: &str) -> Step {
    s.command(format!("{line}\r\n").as_bytes())
}

fn code(step: &Step) -> u16 {
    match step {
        Step::Reply(r)
        | Step::Close(r)
        | Step::StartTls(r)
        | Step::ReadData(r)
        | Step::Challenge(r) => r.code,
        other => panic!("no reply: {other:?}"),
    }
}

fn reply_text(step: &Step) -> String {
    match step {
        Step::Reply(r) | Step::Close(r) => r.to_wire(),
        other => panic!("no reply: {other:?}"),
    }
}

/// EHLO, MAIL and one accepted RCPT on the MX listener.
fn ready_for_data() -> Session {
    let mut s = session(Listener::Mx, false);
    cmd(&mut s, "EHLO client.test");
    assert_eq!(
        cmd(&mut s, "MAIL FROM:<a@far.test>"),
        Step::CheckSender("a@far.test".into())
    );
    assert_eq!(code(&s.sender_checked(Ok(()))), 250);
    assert_eq!(
        cmd(&mut s, "RCPT TO:<zoe@example.org>"),
        Step::CheckRecipient("zoe@example.org".into())
    );
    assert_eq!(code(&s.recipient_checked(Ok(()))), 250);
    s
}

#[test]
fn greeting_and_ehlo_advertise_the_extensions() {
    let mut s = session(Listener::Mx, false);
    assert_eq!(s.greeting().to_wire(), "220 mx.example.org ESMTP Mismo\r\n");
    let ehlo = reply_text(&cmd(&mut s, "EHLO client.test"));
    for ext in [
        "PIPELINING",
        "SIZE 1000",
        "8BITMIME",
        "SMTPUTF8",
        "ENHANCEDSTATUSCODES",
        "CHUNKING",
        "DSN",
        "STARTTLS",
    ] {
        assert!(
            ehlo.contains(&format!("250-{ext}\r\n")) || ehlo.contains(&format!("250 {ext}\r\n")),
            "{ext}: {ehlo}"
        );
    }
    assert!(!ehlo.contains("AUTH"), "no AUTH on MX: {ehlo}");
    assert_eq!(
        reply_text(&cmd(&mut s, "HELO client.test")),
        "250 mx.example.org\r\n"
    );
    assert_eq!(code(&cmd(&mut s, "EHLO")), 501);
}

#[test]
fn auth_is_offered_only_after_tls_on_submission() {
    let mut s = session(Listener::Submission, false);
    let ehlo = reply_text(&cmd(&mut s, "EHLO c"));
    assert!(
        !ehlo.contains("AUTH") && ehlo.contains("STARTTLS"),
        "{ehlo}"
    );
    assert_eq!(code(&cmd(&mut s, "AUTH PLAIN AGEAYg==")), 530);
    assert!(matches!(cmd(&mut s, "STARTTLS"), Step::StartTls(_)));
    s.tls_established();
    assert_eq!(
        code(&cmd(&mut s, "MAIL FROM:<a@b.test>")),
        503,
        "EHLO again after TLS"
    );
    let ehlo = reply_text(&cmd(&mut s, "EHLO c"));
    assert!(
        ehlo.contains("AUTH PLAIN LOGIN") && !ehlo.contains("STARTTLS"),
        "{ehlo}"
    );
    assert_eq!(code(&cmd(&mut s, "STARTTLS")), 503);

    let smtps = reply_text(&cmd(&mut session(Listener::Smtps, true), "EHLO c"));
    assert!(
        smtps.contains("AUTH PLAIN LOGIN") && !smtps.contains("STARTTLS"),
        "{smtps}"
    );
}

#[test]
fn auth_plain_and_login() {
    let mut s = session(Listener::Smtps, true);
    cmd(&mut s, "EHLO c");
    assert_eq!(
        code(&cmd(&mut s, "MAIL FROM:<zoe@example.org>")),
        530,
        "AUTH first"
    );
    // PLAIN with an initial response.
    let step = cmd(
        &mut s,
        &format!("AUTH PLAIN {}", sasl::encode("\0zoe@example.org\0pw")),
    );
    assert_eq!(
        step,
        Step::CheckCredentials {
            user: "zoe@example.org".into(),
            password: "pw".into()
        }
    );
    assert_eq!(code(&s.credentials_checked(None)), 535);
    // PLAIN without: empty challenge.
    let step = cmd(&mut s, "AUTH PLAIN");
    assert_eq!(
        step,
        Step::Challenge(Reply::plain(334, vec![String::new()]))
    );
    assert_eq!(code(&s.auth_line("*")), 501);
    // LOGIN.
    assert_eq!(code(&cmd(&mut s, "AUTH LOGIN")), 334);
    assert_eq!(code(&s.auth_line(&sasl::encode("zoe@example.org"))), 334);
    let step = s.auth_line(&sasl::encode("pw"));
    assert_eq!(
        step,
        Step::CheckCredentials {
            user: "zoe@example.org".into(),
            password: "pw".into()
        }
    );
    assert_eq!(
        reply_text(&s.credentials_checked(Some("zoe@example.org".into()))),
        "235 2.7.0 Authentication successful\r\n"
    );
    assert_eq!(s.auth_user(), Some("zoe@example.org"));
    assert_eq!(
        code(&cmd(&mut s, "AUTH PLAIN")),
        503,
        "already authenticated"
    );
    assert!(matches!(
        cmd(&mut s, "MAIL FROM:<zoe@example.org>"),
        Step::CheckSender(_)
    ));

    let mut s = session(Listener::Smtps, true);
    cmd(&mut s, "EHLO c");
    assert_eq!(code(&cmd(&mut s, "AUTH CRAM-MD5")), 504);
    assert_eq!(code(&cmd(&mut s, "AUTH PLAIN !!!")), 501);
    assert_eq!(
        code(&cmd(&mut session(Listener::Mx, true), "AUTH PLAIN")),
        503
    );
}

#[test]
fn mail_checks_sequence_size_and_syntax() {
    let mut s = session(Listener::Mx, false);
    assert_eq!(code(&cmd(&mut s, "MAIL FROM:<a@b.test>")), 503);
    cmd(&mut s, "EHLO c");
    assert_eq!(code(&cmd(&mut s, "MAIL FROM:<a@b.test> SIZE=1001")), 552);
    assert_eq!(code(&cmd(&mut s, "MAIL FROM:<not an address>")), 501);
    assert_eq!(code(&cmd(&mut s, "MAIL FROM:<jürgen@b.test>")), 553);
    assert_eq!(
        code(&cmd(&mut s, "MAIL FROM:<a@b.test> BODY=BINARYMIME")),
        504
    );
    assert_eq!(code(&cmd(&mut s, "MAIL FROM:<a@b.test> FOO=bar")), 555);
    assert_eq!(
        cmd(&mut s, "MAIL FROM:<jürgen@b.test> SMTPUTF8"),
        Step::CheckSender("jürgen@b.test".into())
    );
    assert_eq!(
        code(&s.sender_checked(Err(Reply::new(553, "5.7.1", "not yours")))),
        553
    );
    assert_eq!(
        cmd(
            &mut s,
            "MAIL FROM:<> SIZE=1000 BODY=8BITMIME RET=HDRS ENVID=abc"
        ),
        Step::CheckSender(String::new())
    );
    assert_eq!(code(&s.sender_checked(Ok(()))), 250);
    assert_eq!(code(&cmd(&mut s, "MAIL FROM:<a@b.test>")), 503, "nested");
    assert_eq!(code(&cmd(&mut s, "RSET")), 250);
    assert!(matches!(
        cmd(&mut s, "MAIL FROM:<a@b.test>"),
        Step::CheckSender(_)
    ));
}

#[test]
fn rcpt_checks_sequence_limits_and_dsn() {
    let mut s = session(Listener::Mx, false);
    cmd(&mut s, "EHLO c");
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<zoe@example.org>")), 503);
    cmd(&mut s, "MAIL FROM:<a@far.test>");
    s.sender_checked(Ok(()));
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<bad address>")), 501);
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<ünï@example.org>")), 553);
    assert!(matches!(
        cmd(&mut s, "RCPT TO:<nobody@example.org>"),
        Step::CheckRecipient(_)
    ));
    assert_eq!(
        code(&s.recipient_checked(Err(Reply::new(550, "5.1.1", "unknown")))),
        550
    );
    for (i, r) in ["a@example.org", "b@example.org", "c@example.org"]
        .iter()
        .enumerate()
    {
        let line = if i == 0 {
            format!("RCPT TO:<{r}> NOTIFY=FAILURE,DELAY ORCPT=rfc822;{r}")
        } else {
            format!("RCPT TO:<{r}>")
        };
        assert!(matches!(cmd(&mut s, &line), Step::CheckRecipient(_)));
        assert_eq!(code(&s.recipient_checked(Ok(()))), 250);
    }
    assert_eq!(
        code(&cmd(&mut s, "RCPT TO:<A@Example.org>")),
        250,
        "duplicate accepted once"
    );
    assert_eq!(
        reply_text(&cmd(&mut s, "RCPT TO:<d@example.org>")),
        "452 4.5.3 Too many recipients\r\n"
    );
    assert!(matches!(cmd(&mut s, "DATA"), Step::ReadData(_)));
    let Step::Store(env) = s.data_read(DataOutcome::Complete(b"Subject: x\r\n\r\nhi\r\n".to_vec()))
    else {
        panic!()
    };
    assert_eq!(env.recipients.len(), 3);
    assert_eq!(env.recipients[0].notify.as_deref(), Some("FAILURE,DELAY"));
    assert_eq!(
        env.recipients[0].orcpt.as_deref(),
        Some("rfc822;a@example.org")
    );
}

#[test]
fn data_stores_and_answers_only_after_the_store() {
    let mut s = ready_for_data();
    let step = cmd(&mut s, "DATA");
    assert_eq!(
        step,
        Step::ReadData(Reply::plain(
            354,
            vec!["End data with <CR><LF>.<CR><LF>".into()]
        ))
    );
    let body = b"Subject: hi\r\n\r\n.leading dot kept once unstuffed\r\n".to_vec();
    let Step::Store(env) = s.data_read(DataOutcome::Complete(body.clone())) else {
        panic!("no store step")
    };
    assert_eq!(env.mail_from, "a@far.test");
    assert!(env
        .message
        .starts_with(b"Received: from client.test ([127.0.0.1])"));
    assert!(env.message.ends_with(&body), "client bytes kept exactly");
    assert!(String::from_utf8_lossy(&env.message).contains(&format!("id {}", env.id)));
    let reply = reply_text(&s.stored(Ok(env.id.clone())));
    assert_eq!(reply, format!("250 2.0.0 Ok: queued as {}\r\n", env.id));
    // The transaction is over.
    assert_eq!(code(&cmd(&mut s, "DATA")), 503);

    let mut s = ready_for_data();
    cmd(&mut s, "DATA");
    let Step::Store(_) = s.data_read(DataOutcome::Complete(b"x\r\n".to_vec())) else {
        panic!()
    };
    assert_eq!(
        reply_text(&s.stored(Err(NotStored::StoreUnavailable))),
        "451 4.3.0 Temporary failure storing the message, try again later\r\n"
    );
    let mut s = ready_for_data();
    cmd(&mut s, "DATA");
    let Step::Store(_) = s.data_read(DataOutcome::Complete(b"x\r\n".to_vec())) else {
        panic!()
    };
    assert_eq!(
        reply_text(&s.stored(Err(NotStored::Refused(Reply::new(553, "5.7.1", "no"))))),
        "553 5.7.1 no\r\n"
    );
    // The transaction is over.
    assert_eq!(code(&cmd(&mut s, "DATA")), 503);
}

#[test]
fn data_refusals() {
    let mut s = session(Listener::Mx, false);
    cmd(&mut s, "EHLO c");
    assert_eq!(code(&cmd(&mut s, "DATA")), 503);
    cmd(&mut s, "MAIL FROM:<a@far.test>");
    s.sender_checked(Ok(()));
    assert_eq!(code(&cmd(&mut s, "DATA")), 554, "no valid recipients");

    let mut s = ready_for_data();
    cmd(&mut s, "DATA");
    assert_eq!(code(&s.data_read(DataOutcome::TooBig)), 552);
    let mut s = ready_for_data();
    cmd(&mut s, "DATA");
    assert_eq!(
        reply_text(&s.data_read(DataOutcome::LineTooLong)).get(..10),
        Some("500 5.5.2 ")
    );
}

#[test]
fn bdat_chunks() {
    let mut s = ready_for_data();
    assert_eq!(
        cmd(&mut s, "BDAT 5"),
        Step::ReadBdat {
            size: 5,
            keep: true
        }
    );
    assert_eq!(
        reply_text(&s.bdat_read(b"Subje".to_vec())),
        "250 2.0.0 5 octets received\r\n"
    );
    assert_eq!(code(&cmd(&mut s, "DATA")), 503);
    assert_eq!(
        cmd(&mut s, "BDAT 7 LAST"),
        Step::ReadBdat {
            size: 7,
            keep: true
        }
    );
    let Step::Store(env) = s.bdat_read(b"ct: x\r\n".to_vec()) else {
        panic!()
    };
    assert!(env.message.ends_with(b"Subject: x\r\n"));

    // Too big: the chunks are still consumed, then 552.
    let mut s = ready_for_data();
    assert_eq!(
        cmd(&mut s, "BDAT 600"),
        Step::ReadBdat {
            size: 600,
            keep: true
        }
    );
    s.bdat_read(vec![b'a'; 600]);
    assert_eq!(
        cmd(&mut s, "BDAT 600 LAST"),
        Step::ReadBdat {
            size: 600,
            keep: false
        }
    );
    assert_eq!(code(&s.bdat_read(Vec::new())), 552);

    // A chunk size near the top of the integers must not wrap the running
    // total round to a small number: it is refused like any chunk over the
    // limit, and nothing of it is kept.
    let mut s = ready_for_data();
    cmd(&mut s, "BDAT 600");
    s.bdat_read(vec![b'a'; 600]);
    let huge: usize = 18_446_744_073_709_551_100;
    assert_eq!(
        cmd(&mut s, &format!("BDAT {huge}")),
        Step::ReadBdat {
            size: huge,
            keep: false
        }
    );
    s.bdat_read(Vec::new());
    cmd(&mut s, "BDAT 1 LAST");
    assert_eq!(code(&s.bdat_read(Vec::new())), 552);

    // Without a transaction the chunk is read and discarded.
    let mut s = session(Listener::Mx, false);
    cmd(&mut s, "EHLO c");
    assert_eq!(
        cmd(&mut s, "BDAT 3 LAST"),
        Step::ReadBdat {
            size: 3,
            keep: false
        }
    );
    assert_eq!(code(&s.bdat_read(Vec::new())), 503);
}

#[test]
fn the_small_commands() {
    let mut s = session(Listener::Mx, false);
    assert_eq!(reply_text(&cmd(&mut s, "NOOP")), "250 2.0.0 Ok\r\n");
    assert_eq!(code(&cmd(&mut s, "VRFY zoe")), 252);
    assert_eq!(code(&cmd(&mut s, "EXPN list")), 502);
    assert_eq!(code(&cmd(&mut s, "HELP")), 214);
    assert_eq!(code(&cmd(&mut s, "RSET")), 250);
    assert_eq!(code(&cmd(&mut s, "FROB")), 500);
    assert_eq!(code(&s.overlong_line()), 500);
    assert_eq!(
        cmd(&mut s, "QUIT"),
        Step::Close(Reply::new(221, "2.0.0", "Bye"))
    );
}

#[test]
fn too_many_errors_close_the_session() {
    let mut s = session(Listener::Mx, false);
    for _ in 0..mismo_core::server::errors::MAX_ERRORS {
        assert!(matches!(cmd(&mut s, "FROB"), Step::Reply(_)));
    }
    assert!(matches!(cmd(&mut s, "FROB"), Step::Close(r) if r.code == 421));
}

/// Found by the fuzzer: an unknown MAIL parameter of 8-bit octets was
/// quoted back whole, each octet made a three-octet replacement character,
/// and the reply line passed 512 octets.
#[test]
fn a_bad_parameter_is_quoted_back_short_and_printable() {
    let mut s = session(Listener::Mx, false);
    cmd(&mut s, "EHLO client.test");
    let mut line = b"MAIL FROM:<> X".to_vec();
    line.extend(std::iter::repeat_n(0x98u8, 400));
    line.extend_from_slice(b"=1\r\n");
    let text = reply_text(&s.command(&line));
    assert!(
        text.starts_with("555 5.5.4 Unsupported parameter X???"),
        "{text}"
    );
    assert!(text.len() < 120 && text.is_ascii(), "{text}");
    assert!(text.trim_end().ends_with("..."), "{text}");
}

/// Found by the fuzzer: a message whose first line starts with white space
/// went on the Received header, so the client wrote into Mismo's trace.
/// An empty line now keeps such text in the body.
#[test]
fn a_message_cannot_continue_the_received_header() {
    for body in [
        &b"\tfor <ceo@bank.test>; forged\r\n\r\nhi\r\n"[..],
        b" x\r\n",
    ] {
        let mut s = ready_for_data();
        cmd(&mut s, "DATA");
        let Step::Store(env) = s.data_read(DataOutcome::Complete(body.to_vec())) else {
            panic!("no store step")
        };
        let text = String::from_utf8_lossy(&env.message).into_owned();
        let (header, rest) = text.split_once("\r\n\r\n").expect("an empty line");
        assert!(header.starts_with("Received: from client.test"), "{text}");
        assert!(
            !header.contains("bank.test") && !header.contains(" x"),
            "{text}"
        );
        assert_eq!(
            rest.as_bytes(),
            body,
            "client bytes kept after the empty line"
        );
    }
    // A message that starts with a header is stored right after the trace.
    let body = b"Subject: a\r\n\r\nb\r\n";
    let mut s = ready_for_data();
    cmd(&mut s, "DATA");
    let Step::Store(env) = s.data_read(DataOutcome::Complete(body.to_vec())) else {
        panic!("no store step")
    };
    let trace = &env.message[..env.message.len() - body.len()];
    assert!(env.message.ends_with(body));
    assert!(trace.ends_with(b"\r\n") && !trace.ends_with(b"\r\n\r\n"));
}
