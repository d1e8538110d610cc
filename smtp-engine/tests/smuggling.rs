//! SMTP smuggling, inbound: a raw client ends DATA every published wrong
//! way and follows it with a second message. Only `<CRLF>.<CRLF>` may end
//! the data, so each session queues exactly one message, the would-be
//! second one inside it.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::start;

const FAKE_ENDS: [&[u8]; 7] = [
    b"\n.\r\n",
    b"\r\n.\n",
    b"\n.\n",
    b"\r.\r\n",
    b"\r\n.\r",
    b"\r\n.\r\r\n",
    b"\r\n\0.\r\n",
];

/// One session, pipelined as a smuggling client sends it; the transcript.
fn session(addr: std::net::SocketAddr, n: usize, fake_end: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut out = Vec::new();
    out.extend_from_slice(b"EHLO client.far.test\r\nMAIL FROM:<a@far.test>\r\n");
    out.extend_from_slice(b"RCPT TO:<zoe@example.org>\r\nDATA\r\n");
    out.extend_from_slice(format!("Subject: carrier {n}\r\n\r\nhello").as_bytes());
    out.extend_from_slice(fake_end);
    out.extend_from_slice(
        b"MAIL FROM:<ceo@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n\
Subject: smuggled\r\n\r\nforged\r\n.\r\nQUIT\r\n",
    );
    // EHLO, MAIL and RCPT are answered before DATA's 354 (no pipelining
    // past DATA, RFC 2920 3.1), so send in two steps.
    let data_at = out.windows(6).position(|w| w == b"DATA\r\n").unwrap() + 6;
    s.write_all(&out[..data_at]).unwrap();
    let mut transcript = String::new();
    let mut buf = [0u8; 4096];
    while !transcript.contains("354") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed before 354: {transcript}");
        transcript.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    s.write_all(&out[data_at..]).unwrap();
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => transcript.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
    transcript
}

#[tokio::test]
async fn only_crlf_dot_crlf_ends_data_and_nothing_is_smuggled() {
    let e = start(&[]).await;
    for (n, fake_end) in FAKE_ENDS.iter().enumerate() {
        let transcript = session(e.mx, n, fake_end);
        // One 250: the smuggled MAIL, RCPT and DATA were content.
        assert_eq!(
            transcript.matches("250 2.0.0 Ok: queued").count(),
            1,
            "{fake_end:?}: {transcript}"
        );
    }
    let queued = e.queued().await;
    assert_eq!(queued.len(), FAKE_ENDS.len(), "{queued:?}");
    for m in &queued {
        assert_eq!(m.mail_from, "a@far.test");
        let rcpts: Vec<&str> = m.recipients.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(rcpts, ["zoe@example.org"]);
        let raw = String::from_utf8_lossy(&e.raw(&m.id).await).into_owned();
        assert!(raw.contains("Subject: smuggled"), "{raw}");
        // Stored with CRLF line ends only: nothing for a next hop to misread.
        let bare_lf = raw
            .char_indices()
            .any(|(i, c)| c == '\n' && (i == 0 || raw.as_bytes()[i - 1] != b'\r'));
        assert!(!bare_lf, "{raw:?}");
    }
}
