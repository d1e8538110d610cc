//! Reading a DATA section (RFC 5321 4.1.1.4): up to the lone `.` line,
//! removing dot-stuffing, keeping every other byte exactly as sent.

use tokio::io::AsyncBufRead;

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
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        let text = match line.first() {
            Some(b'.') => &line[1..],
            _ => &line[..],
        };
        let content = text.len()
            - if text.ends_with(b"\r\n") {
                2
            } else if text.ends_with(b"\n") {
                1
            } else {
                0
            };
        if content > MAX_TEXT_LINE {
            too_long = true;
        }
        if !too_big && !too_long {
            if message.len() as u64 + text.len() as u64 > max_size {
                too_big = true;
                message = Vec::new();
            } else {
                message.extend_from_slice(text);
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
        // Bytes other than the stuffing are kept, bare LF and NUL included.
        let out = read(b"a\nb\0\r\n.\r\n", 100).await;
        assert_eq!(out, DataOutcome::Complete(b"a\nb\0\r\n".to_vec()));
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
    }
}
