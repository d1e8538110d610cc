//! Reading a DATA section (RFC 5321 4.1.1.4): up to the lone `.` line,
//! removing dot-stuffing.
//!
//! Only `<CRLF>.<CRLF>` ends the section (RFC 5321 4.1.1.4 and 2.3.8). A
//! server that also ends it at `<LF>.<CRLF>`, `<CRLF>.<LF>` or `<LF>.<LF>`
//! lets a client smuggle a second message, with its own envelope, past the
//! one it was given ("SMTP smuggling"), because the MTA that relayed the
//! first took those for content. As Postfix does with
//! `smtpd_forbid_bare_newline = normalize`, a line ending in a bare LF is
//! content and is stored ending in CRLF, so such a "terminator" and whatever
//! follows it stay inside the one message, and what Mismo relays on has no
//! bare LF for the next hop to misread. Every other byte is kept as sent
//! (a bare CR, which ends no line, included).

use tokio::io::{AsyncBufRead, AsyncRead, AsyncReadExt};

use crate::session::DataOutcome;
use mismo_core::net::{read_line, Line};

/// RFC 5322 2.1.1: at most 998 octets per line, CRLF excluded.
pub const MAX_TEXT_LINE: usize = 998;

/// Reads the message. The whole section is always consumed, even when it is
/// refused, so the session can go on with the next command.
pub async fn read_data<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max_size: u64,
) -> std::io::Result<DataOutcome> {
    let mut message = Vec::new();
    let mut line = Vec::with_capacity(1024);
    let mut too_big = false;
    let mut too_long = false;
    // The previous line ended in CRLF (the DATA command line counts as such).
    let mut after_crlf = true;
    loop {
        // +2 for the CRLF, +1 for a stuffed dot.
        let status = read_line(reader, &mut line, MAX_TEXT_LINE + 3).await?;
        match status {
            Line::Eof => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed during DATA",
                ))
            }
            Line::TooLong => too_long = true,
            Line::Ok => {}
        }
        if after_crlf && line == b".\r\n" {
            break;
        }
        let text = match line.first() {
            Some(b'.') => &line[1..],
            _ => &line[..],
        };
        let (content, ending): (&[u8], &[u8]) = if let Some(c) = text.strip_suffix(b"\r\n") {
            (c, b"\r\n")
        } else if let Some(c) = text.strip_suffix(b"\n") {
            // A bare LF ends the line, and is stored as the CRLF it stands for.
            (c, b"\r\n")
        } else {
            (text, b"")
        };
        after_crlf = line.ends_with(b"\r\n");
        if content.len() > MAX_TEXT_LINE {
            too_long = true;
        }
        if !too_big && !too_long {
            let size = (content.len() + ending.len()) as u64;
            if message.len() as u64 + size > max_size {
                too_big = true;
                message = Vec::new();
            } else {
                message.extend_from_slice(content);
                message.extend_from_slice(ending);
            }
        }
    }
    Ok(if too_long {
        DataOutcome::LineTooLong
    } else if too_big {
        DataOutcome::TooBig
    } else {
        DataOutcome::Complete(message)
    })
}

/// Reads a BDAT chunk of exactly `size` octets (RFC 3030 2), keeping them
/// only if `keep`: the session says not to once the message is over the
/// size limit, so an announced size never decides what is held in memory.
pub async fn read_chunk<R: AsyncRead + Unpin>(
    reader: &mut R,
    size: usize,
    keep: bool,
) -> std::io::Result<Vec<u8>> {
    let mut kept = Vec::with_capacity(if keep { size.min(64 << 20) } else { 0 });
    let mut left = size;
    let mut buf = vec![0u8; 64 * 1024];
    while left > 0 {
        let want = left.min(buf.len());
        let n = reader.read(&mut buf[..want]).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if keep {
            kept.extend_from_slice(&buf[..n]);
        }
        left -= n;
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(input: &[u8], max: u64) -> DataOutcome {
        let mut reader = tokio::io::BufReader::with_capacity(7, input);
        read_data(&mut reader, max).await.unwrap()
    }

    #[tokio::test]
    async fn unstuffs_and_stops_at_the_dot() {
        let out = read(b"Subject: x\r\n\r\n..dot\r\n.\r\nNEXT", 100).await;
        assert_eq!(
            out,
            DataOutcome::Complete(b"Subject: x\r\n\r\n.dot\r\n".to_vec())
        );
        assert_eq!(read(b".\r\n", 100).await, DataOutcome::Complete(Vec::new()));
        // Bytes other than the stuffing are kept, a bare CR and NUL included;
        // a bare LF ends a line and is stored as CRLF.
        let out = read(b"a\nb\0\rc\r\n.\r\n", 100).await;
        assert_eq!(out, DataOutcome::Complete(b"a\r\nb\0\rc\r\n".to_vec()));
    }

    /// Every published way of ending DATA early: only CRLF . CRLF ends it,
    /// and the would-be second message stays inside the first.
    #[tokio::test]
    async fn only_crlf_dot_crlf_ends_the_data() {
        let smuggled = b"MAIL FROM:<ceo@bank.test>\r\nRCPT TO:<v@x.test>\r\nDATA\r\nforged\r\n";
        for fake_end in [
            &b"\n.\r\n"[..],
            b"\r\n.\n",
            b"\n.\n",
            b"\r.\r\n",
            b"\r\n.\r",
            b"\r\n.\r\r\n",
            b"\r\n\0.\r\n",
        ] {
            let input = [
                b"Subject: a".as_slice(),
                fake_end,
                smuggled,
                b".\r\n",
                b"NEXT",
            ]
            .concat();
            let DataOutcome::Complete(message) = read(&input, 10_000).await else {
                panic!("refused: {fake_end:?}");
            };
            assert!(
                message.ends_with(b"forged\r\n"),
                "{fake_end:?} ended the data early: {:?}",
                String::from_utf8_lossy(&message)
            );
            let bare_lf = message
                .iter()
                .enumerate()
                .any(|(i, &b)| b == b'\n' && (i == 0 || message[i - 1] != b'\r'));
            assert!(!bare_lf, "{fake_end:?} left a bare LF");
        }
        // The first line may be the end, after the DATA command's CRLF.
        assert_eq!(read(b".\r\n", 100).await, DataOutcome::Complete(Vec::new()));
        assert_eq!(
            read(b"a\n.\r\nb\r\n.\r\n", 100).await,
            DataOutcome::Complete(b"a\r\n\r\nb\r\n".to_vec())
        );
    }

    #[tokio::test]
    async fn limits() {
        assert_eq!(read(b"0123456789\r\n.\r\n", 5).await, DataOutcome::TooBig);
        let long = [vec![b'x'; 999], b"\r\n.\r\n".to_vec()].concat();
        assert_eq!(read(&long, 10_000).await, DataOutcome::LineTooLong);
        let ok = [vec![b'x'; 998], b"\r\n.\r\n".to_vec()].concat();
        assert!(matches!(read(&ok, 10_000).await, DataOutcome::Complete(_)));
        let stuffed = [b".".to_vec(), vec![b'x'; 998], b"\r\n.\r\n".to_vec()].concat();
        assert!(matches!(
            read(&stuffed, 10_000).await,
            DataOutcome::Complete(_)
        ));
        let mut reader = tokio::io::BufReader::new(&b"no end\r\n"[..]);
        assert!(read_data(&mut reader, 100).await.is_err());
        // A line far over the limit still ends where its CRLF is, so the
        // dot after it ends the data (it once went unseen, and the session
        // hung until the client gave up), and what follows is read next.
        let huge = [vec![b'x'; 10_000], b"\r\n.\r\nNEXT\r\n".to_vec()].concat();
        let mut reader = tokio::io::BufReader::with_capacity(64, &huge[..]);
        assert_eq!(
            read_data(&mut reader, 100_000).await.unwrap(),
            DataOutcome::LineTooLong
        );
        let mut rest = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut reader, &mut rest)
            .await
            .unwrap();
        assert_eq!(rest, "NEXT\r\n");
        // Ended by a bare LF, it does not make the next dot an end.
        let bare = [vec![b'x'; 10_000], b"\n.\r\nstill data\r\n.\r\n".to_vec()].concat();
        let mut reader = tokio::io::BufReader::with_capacity(64, &bare[..]);
        assert_eq!(
            read_data(&mut reader, 100_000).await.unwrap(),
            DataOutcome::LineTooLong
        );
        let mut rest = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut rest)
            .await
            .unwrap();
        assert!(rest.is_empty());
    }
}
