//! Addresses in UTF-8 (SMTPUTF8) at RCPT: the checks that look at a local
//! part's first bytes (is it an SRS address?) read them as bytes, so a
//! character cut at any byte is answered like any other address.

mod common;

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A guard against a hung test, not a measure of speed.
const WAIT: Duration = Duration::from_secs(30);

async fn reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        tokio::time::timeout(WAIT, r.read_line(&mut line))
            .await
            .expect("a reply in time")
            .unwrap();
        assert!(!line.is_empty(), "closed with no reply after: {all}");
        all.push_str(&line);
        if line.as_bytes().get(3) == Some(&b' ') {
            return all;
        }
    }
}

#[tokio::test]
async fn utf8_local_parts_get_their_normal_answers() {
    let e = common::start(&[]).await;
    let (read, mut write) = TcpStream::connect(e.mx).await.unwrap().into_split();
    let mut read = BufReader::new(read);
    assert!(reply(&mut read).await.starts_with("220 "));
    let mut say = async |line: &str| {
        write
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        reply(&mut read).await
    };
    assert!(say("EHLO x").await.contains("SMTPUTF8"));
    assert!(say("MAIL FROM:<a@far.test> SMTPUTF8")
        .await
        .starts_with("250 "));
    // catch.test has a catch-all: every one of these is taken. The fifth
    // byte of each falls inside a character, or after an SRS-like start.
    for rcpt in ["aliçe", "SRS0ç", "SRSçx", "ççç", "日本語"] {
        let answer = say(&format!("RCPT TO:<{rcpt}@catch.test>")).await;
        assert!(answer.starts_with("250 "), "{rcpt}: {answer}");
    }
    // One that claims to be SRS but was not made here: refused, saying why.
    let answer = say("RCPT TO:<SRS0=ç=ç=ç=ç@catch.test>").await;
    assert!(
        answer.starts_with("550 5.1.1 ") && answer.contains("SRS hash"),
        "{answer}"
    );
    // Not hosted here: refused as ever, not dropped.
    let answer = say("RCPT TO:<aliçe@elsewhere.test>").await;
    assert!(
        answer.starts_with("554 ") || answer.starts_with("550 "),
        "{answer}"
    );
    assert!(say("QUIT").await.starts_with("221 "));
    assert!(
        !e.service.log_text().contains("panicked"),
        "{}",
        e.service.log_text()
    );
}
