//! One whole SMTP session driven by one byte string: the body of the
//! `smtp_session` fuzz target (fuzz/fuzz_targets) and of the test that
//! replays every input the fuzzer ever crashed on (tests/fuzz_regressions.rs).
//!
//! The bytes after the first are the client's side of the conversation. They
//! are read with the connection's own line reader, DATA reader and BDAT
//! reader, so the framing fuzzed is the framing served. Only the answers that
//! need the store are decided here, by the input itself (an address with
//! "deny" in it is refused, the password "secret" is right), so every path
//! of the state machine can be reached. Each reply and each accepted message
//! is checked against what the RFCs and the configuration promise.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use mismo_core::net::{read_line, Line};
use tokio::io::BufReader;

use crate::connection::{is_overlong, MAX_SASL_LINE};
use crate::data::{read_chunk, read_data};
use crate::reply::Reply;
use crate::session::{Listener, Session, SessionConfig, Step};

/// Small, so that size limits are crossed by small inputs.
const MAX_MESSAGE_SIZE: u64 = 2048;

/// Runs one session over `input`; panics if a promise is broken.
pub fn session(input: &[u8]) {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(drive(input));
}

async fn drive(input: &[u8]) {
    let Some((&first, client)) = input.split_first() else {
        return;
    };
    let listener = match first % 3 {
        0 => Listener::Mx,
        1 => Listener::Submission,
        _ => Listener::Smtps,
    };
    let cfg = Arc::new(SessionConfig {
        hostname: "mx.example.org".into(),
        listener,
        max_message_size: MAX_MESSAGE_SIZE,
        max_recipients: 3,
        tls_available: first & 4 != 0,
    });
    let mut session = Session::new(cfg, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)), first & 8 != 0);
    check(&session.greeting());
    // A small buffer, so that lines and chunks cross buffer boundaries.
    let mut reader = BufReader::with_capacity(16, client);
    let mut line = Vec::new();
    loop {
        let status = match read_line(&mut reader, &mut line, MAX_SASL_LINE).await {
            Ok(Line::Eof) | Err(_) => return,
            Ok(status) => status,
        };
        let mut step = if is_overlong(status, &line) {
            session.overlong_line()
        } else {
            session.command(&line)
        };
        loop {
            step = match step {
                Step::Reply(reply) => {
                    check(&reply);
                    break;
                }
                Step::Close(reply) => {
                    check(&reply);
                    return;
                }
                Step::StartTls(reply) => {
                    check(&reply);
                    assert!(!session.tls(), "STARTTLS offered inside TLS");
                    session.tls_established();
                    break;
                }
                Step::CheckSender(sender) => {
                    assert!(!sender.contains(['\r', '\n', '<', '>']), "{sender:?}");
                    session.sender_checked(verdict(&sender))
                }
                Step::CheckRecipient(rcpt) => {
                    assert!(!rcpt.is_empty() && !rcpt.contains(['\r', '\n', '<', '>']));
                    session.recipient_checked(verdict(&rcpt))
                }
                Step::ReadData(reply) => {
                    check(&reply);
                    match read_data(&mut reader, MAX_MESSAGE_SIZE).await {
                        Ok(outcome) => session.data_read(outcome),
                        Err(_) => return,
                    }
                }
                Step::ReadBdat { size, keep } => match read_chunk(&mut reader, size, keep).await {
                    Ok(chunk) => {
                        assert!(keep || chunk.is_empty(), "a refused chunk was kept");
                        assert!(chunk.len() as u64 <= MAX_MESSAGE_SIZE);
                        session.bdat_read(chunk)
                    }
                    Err(_) => return,
                },
                Step::Challenge(reply) => {
                    check(&reply);
                    match read_line(&mut reader, &mut line, MAX_SASL_LINE).await {
                        Ok(Line::Eof) | Err(_) => return,
                        Ok(_) => session.auth_line(&String::from_utf8_lossy(&line)),
                    }
                }
                Step::CheckCredentials { user, password } => {
                    let right = password == "secret";
                    session.credentials_checked(right.then_some(user))
                }
                Step::Store(envelope) => {
                    assert!(!envelope.recipients.is_empty(), "stored with no recipient");
                    assert!(envelope.recipients.len() <= 3, "over the recipient limit");
                    let content = &envelope.message[trace_end(&envelope.message)..];
                    assert!(
                        content.len() as u64 <= MAX_MESSAGE_SIZE,
                        "{} octets stored over a {MAX_MESSAGE_SIZE} limit",
                        content.len()
                    );
                    session.stored(Ok(envelope.id.clone()))
                }
            };
        }
    }
}

/// Where the Received header the session put on top ends. Whatever the
/// client's HELO held, it is one header: no line of it ends but in CRLF
/// followed by a folding tab, and the last line ends in CRLF.
fn trace_end(message: &[u8]) -> usize {
    assert!(message.starts_with(b"Received: from "));
    let mut at = 0;
    loop {
        let line = message[at..]
            .iter()
            .position(|&b| b == b'\n')
            .expect("the trace header ends in CRLF");
        assert!(
            line > 0 && message[at + line - 1] == b'\r',
            "bare LF in the trace header"
        );
        assert!(
            !message[at..at + line - 1].contains(&b'\r'),
            "bare CR in the trace header"
        );
        at += line + 1;
        if message.get(at) != Some(&b'\t') {
            return at;
        }
    }
}

fn verdict(address: &str) -> Result<(), Reply> {
    if address.contains("deny") {
        Err(Reply::new(550, "5.1.1", "No such user"))
    } else {
        Ok(())
    }
}

/// What every reply promises: a code from 200 to 599, one line per text
/// line, and no line break smuggled into a line from what the client sent.
fn check(reply: &Reply) {
    assert!((200..600).contains(&reply.code), "code {}", reply.code);
    assert!(!reply.lines.is_empty(), "a reply without text");
    for line in &reply.lines {
        assert!(!line.contains(['\r', '\n']), "line break in {line:?}");
    }
    let wire = reply.to_wire();
    assert!(
        wire.lines().all(|l| l.len() <= 510),
        "reply line over 512 octets"
    );
}
