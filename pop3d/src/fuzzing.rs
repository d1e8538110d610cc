//! One whole POP3 session driven by one byte string: the body of the
//! `pop3_session` fuzz target (fuzz/fuzz_targets) and of the test that
//! replays every input the fuzzer ever crashed on (tests/fuzz_regressions.rs).
//!
//! The input is: one octet of flags, one octet `n`, `n` octets of a message
//! in the maildrop, then the client's side of the conversation, read with
//! the connection's own line reader. RETR and TOP are encoded with the
//! connection's own stuffer. The maildrop's answers are made up here (the
//! password "secret" opens it, the user "busy" is locked), and every reply
//! and every message sent is checked against RFC 1939.

use mismo_core::net::{read_line, Line};
use tokio::io::BufReader;

use crate::connection::{MAX_LINE, MAX_SASL_LINE};
use crate::session::{LoginError, Msg, Session, Step};
use crate::stuffing::Stuffer;

const DELIVERY_HEADERS: &[u8] = b"Return-Path: <zoe@example.org>\r\n";

/// Runs one session over `input`; panics if a promise is broken.
pub fn session(input: &[u8]) {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(drive(input));
}

async fn drive(input: &[u8]) {
    let [flags, n, rest @ ..] = input else {
        return;
    };
    let (first, client) = rest.split_at((*n as usize).min(rest.len()));
    let messages: [&[u8]; 3] = [first, b"Subject: two\r\n\r\n.dot\r\n..\r\n.\r\nend", b""];
    let mut session = Session::new(
        "pop.example.org",
        flags & 1 != 0,
        flags & 2 != 0,
        flags & 4 != 0,
    );
    check_reply(&session.greeting());
    let mut reader = BufReader::with_capacity(16, client);
    let mut line = Vec::new();
    loop {
        let limit = if session.awaiting_sasl() {
            MAX_SASL_LINE
        } else {
            MAX_LINE
        };
        let mut step = match read_line(&mut reader, &mut line, limit).await {
            Ok(Line::Eof) | Err(_) => return,
            Ok(Line::TooLong) => session.overlong_line(),
            Ok(Line::Ok) => session.command(&String::from_utf8_lossy(&line)),
        };
        loop {
            step = match step {
                Step::Reply(text) | Step::Challenge(text) => {
                    check_reply(&text);
                    break;
                }
                Step::StartTls(text) => {
                    check_reply(&text);
                    session.tls_established();
                    break;
                }
                Step::Close(text) => {
                    check_reply(&text);
                    return;
                }
                Step::Login { user, password } => {
                    let result = if user == "busy" {
                        Err(LoginError::InUse)
                    } else if password == "secret" {
                        Ok(messages
                            .iter()
                            .enumerate()
                            .map(|(i, m)| Msg {
                                uid: format!("uid{i}"),
                                size: (DELIVERY_HEADERS.len() + m.len()) as i64,
                                deleted: false,
                            })
                            .collect())
                    } else {
                        Err(LoginError::BadCredentials)
                    };
                    session.logged_in(result)
                }
                Step::Send {
                    status,
                    index,
                    lines,
                } => {
                    check_reply(&status);
                    assert!(status.starts_with("+OK"), "{status:?}");
                    let message = messages.get(index).expect("a message of the snapshot");
                    check_sent(message, lines);
                    break;
                }
                Step::Commit(uids) => {
                    let mut sorted = uids.clone();
                    sorted.sort();
                    sorted.dedup();
                    assert_eq!(sorted.len(), uids.len(), "a message deleted twice");
                    assert!(uids
                        .iter()
                        .all(|u| ["uid0", "uid1", "uid2"].contains(&u.as_str())));
                    session.committed(Ok(()))
                }
            };
        }
    }
}

/// A reply: a status line of its own (`+OK`, `-ERR`, or a SASL `+ `
/// challenge), then for a multi-line reply its lines and the "." line, every
/// line ended by CRLF and none holding a line break of its own.
fn check_reply(text: &str) {
    assert!(
        text.starts_with("+OK") || text.starts_with("-ERR ") || text.starts_with("+ "),
        "{text:?}"
    );
    let lines = crlf_lines(text.as_bytes());
    if lines.len() > 1 {
        assert_eq!(
            lines.last(),
            Some(&&b"."[..]),
            "multi-line reply not ended: {text:?}"
        );
    }
}

/// Splits CRLF-ended lines, asserting there is no bare LF and no trailing
/// partial line.
fn crlf_lines(bytes: &[u8]) -> Vec<&[u8]> {
    assert!(bytes.ends_with(b"\r\n"), "not ended by CRLF: {bytes:?}");
    let body = &bytes[..bytes.len() - 2];
    let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    let last = lines.len() - 1;
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            if i == last {
                l
            } else {
                l.strip_suffix(b"\r").expect("bare LF")
            }
        })
        .collect()
}

/// RETR (`lines` None) or TOP: the encoded body is whole lines ended by
/// CRLF, only its last line is the lone ".", every other line starting with
/// a dot was stuffed, and after unstuffing RETR gives back every octet of
/// the message but its line endings.
fn check_sent(message: &[u8], lines: Option<usize>) {
    let mut stuffer = match lines {
        Some(n) => Stuffer::top(n),
        None => Stuffer::full(),
    };
    let mut out = Vec::new();
    stuffer.push(DELIVERY_HEADERS, &mut out);
    // In uneven chunks, as the store hands them out.
    for chunk in message.chunks(7) {
        if stuffer.is_done() {
            break;
        }
        stuffer.push(chunk, &mut out);
    }
    stuffer.finish(&mut out);
    let sent = crlf_lines(&out);
    let (end, content) = sent.split_last().expect("the end line");
    assert_eq!(*end, b".", "not ended by the dot line");
    let mut unstuffed = Vec::new();
    for line in content {
        let line = match line.strip_prefix(b".") {
            Some(rest) => {
                assert!(rest.starts_with(b"."), "unstuffed dot line {line:?}");
                rest
            }
            None => line,
        };
        unstuffed.extend_from_slice(line);
    }
    if lines.is_none() {
        let whole: Vec<u8> = [DELIVERY_HEADERS, message]
            .concat()
            .into_iter()
            .filter(|b| !matches!(b, b'\r' | b'\n'))
            .collect();
        unstuffed.retain(|b| !matches!(b, b'\r' | b'\n'));
        assert_eq!(unstuffed, whole, "RETR changed the message");
    }
}
