//! Network pieces the protocol servers share: the stream type a session runs
//! over, and reading lines with a length bound.
//!
//! The line reader is hand-written rather than taken from smtp-proto's
//! receivers because those do not bound text lines at 998 octets or command
//! lines at 512 (SMTP) or 255 (POP3), which Mismo enforces.

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, BufReader};

/// Any byte stream a session runs over: plain TCP or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Upgrades a session's stream to TLS in place (SMTP STARTTLS, POP3 STLS).
/// Whatever the client sent after the command and is still buffered is
/// dropped, so nothing sent in the clear counts as sent under TLS
/// (RFC 3207 5, RFC 2595 3; CVE-2011-0411).
pub async fn upgrade_tls(
    reader: &mut BufReader<Box<dyn Io>>,
    acceptor: &tokio_rustls::TlsAcceptor,
) -> std::io::Result<()> {
    let buffered = reader.buffer().len();
    reader.consume(buffered);
    let placeholder: Box<dyn Io> = Box::new(tokio::io::join(tokio::io::empty(), tokio::io::sink()));
    let plain = std::mem::replace(reader, BufReader::new(placeholder)).into_inner();
    let tls = tokio::time::timeout(crate::server::HANDSHAKE_TIMEOUT, acceptor.accept(plain))
        .await
        .map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::TimedOut, "TLS handshake timed out")
        })??;
    *reader = BufReader::with_capacity(16 * 1024, Box::new(tls));
    Ok(())
}

/// How a bounded line read ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A line (its LF included) within the limit is in the buffer.
    Ok,
    /// The line was longer than the limit; the rest was consumed up to and
    /// including the LF, and the buffer holds the line's first octets and
    /// then its own ending (CRLF or LF), `limit` octets in all.
    TooLong,
    /// The peer closed the connection before a full line.
    Eof,
}

/// Reads one line into `buf` (cleared first), keeping at most `limit` octets.
pub async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    // The last octet consumed, to tell CRLF from LF across reads.
    let mut last = None;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(Line::Eof);
        }
        let (chunk, done) = match memchr_lf(available) {
            Some(pos) => (&available[..=pos], true),
            None => (available, false),
        };
        let room = limit.saturating_sub(buf.len());
        if chunk.len() > room {
            too_long = true;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let crlf = match chunk.len() {
            n if n >= 2 => chunk[n - 2] == b'\r',
            _ => last == Some(b'\r'),
        };
        last = chunk.last().copied();
        let used = chunk.len();
        reader.consume(used);
        if done {
            if !too_long {
                return Ok(Line::Ok);
            }
            // The line's own ending replaces its last octets kept, so a
            // caller that must know how the line ended (DATA, where only
            // CRLF . CRLF ends the message) still can.
            let ending: &[u8] = if crlf { b"\r\n" } else { b"\n" };
            buf.truncate(limit.saturating_sub(ending.len()));
            buf.extend_from_slice(ending);
            return Ok(Line::TooLong);
        }
    }
}

fn memchr_lf(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bounded_lines() {
        let input: &[u8] = b"short\r\n0123456789abc\r\nlast";
        let mut reader = tokio::io::BufReader::with_capacity(4, input);
        let mut buf = Vec::new();
        assert_eq!(
            read_line(&mut reader, &mut buf, 10).await.unwrap(),
            Line::Ok
        );
        assert_eq!(buf, b"short\r\n");
        assert_eq!(
            read_line(&mut reader, &mut buf, 10).await.unwrap(),
            Line::TooLong
        );
        assert_eq!(buf, b"01234567\r\n");
        assert_eq!(
            read_line(&mut reader, &mut buf, 10).await.unwrap(),
            Line::Eof
        );
        // A bare LF ending is kept as such, split across reads or not.
        for input in [&b"0123456789abc\n"[..], b"0123456789abc\r\r\n"] {
            let mut reader = tokio::io::BufReader::with_capacity(3, input);
            assert_eq!(
                read_line(&mut reader, &mut buf, 10).await.unwrap(),
                Line::TooLong
            );
            let ending: &[u8] = if input.ends_with(b"\r\n") {
                b"\r\n"
            } else {
                b"\n"
            };
            assert!(buf.ends_with(ending) && buf.len() == 10, "{buf:?}");
        }
    }
}
