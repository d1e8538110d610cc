//! A line-oriented client connection for the POP3 and IMAP readers.
//!
//! The readers are written here rather than on an IMAP or POP3 client crate:
//! they use five commands each, must note the moment a message is first
//! seen, and must treat any deviation as an error to count, not to smooth
//! over. (async-imap would bring a second I/O stack for that; no maintained
//! async POP3 client exists.)

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

/// Any one step of a client or reader taking longer than this is an error:
/// as long as an SMTP client waits (RFC 5321 4.5.3.2), five minutes (a
/// server busy checking passwords queues logins).
pub const STEP: Duration = Duration::from_secs(300);
/// A longer line than any POP3 or IMAP server sends (RFC 1939: 512 octets
/// for replies; IMAP lines here are short but for literals).
const MAX_LINE: u64 = 64 * 1024;

pub type WireResult<T> = Result<T, SessionEnd>;

/// Why a reader's session ended early.
#[derive(Debug)]
pub enum SessionEnd {
    /// The server asked it to come back later (RFC 5530 UNAVAILABLE, RFC
    /// 2449 SYS/TEMP or IN-USE): logins throttled, a maildrop in use. A
    /// client retries; counted, but not an error.
    TryLater(String),
    /// Anything else: an error.
    Broken(String),
}

impl From<String> for SessionEnd {
    fn from(s: String) -> Self {
        SessionEnd::Broken(s)
    }
}

impl std::fmt::Display for SessionEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionEnd::TryLater(s) | SessionEnd::Broken(s) => f.write_str(s),
        }
    }
}

pub struct Wire {
    stream: BufReader<TcpStream>,
}

impl Wire {
    /// Connects to `to`, from `from` when given.
    pub async fn connect(to: SocketAddr, from: Option<IpAddr>) -> WireResult<Self> {
        let socket = if to.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(|e| format!("socket: {e}"))?;
        if let Some(ip) = from {
            socket
                .bind(SocketAddr::new(ip, 0))
                .map_err(|e| format!("bind {ip}: {e}"))?;
        }
        let stream = step(socket.connect(to))
            .await?
            .map_err(|e| format!("connect {to}: {e}"))?;
        Ok(Self {
            stream: BufReader::new(stream),
        })
    }

    pub async fn send(&mut self, line: &str) -> WireResult<()> {
        let w = self.stream.get_mut();
        step(w.write_all(format!("{line}\r\n").as_bytes()))
            .await?
            .map_err(|e| SessionEnd::Broken(format!("sending: {e}")))
    }

    /// One line, without its CRLF.
    pub async fn line(&mut self) -> WireResult<String> {
        let mut buf = Vec::new();
        let n = step(
            (&mut self.stream)
                .take(MAX_LINE)
                .read_until(b'\n', &mut buf),
        )
        .await?
        .map_err(|e| format!("reading: {e}"))?;
        if n == 0 {
            return Err(SessionEnd::Broken(
                "the server closed the connection".into(),
            ));
        }
        if !buf.ends_with(b"\r\n") {
            return Err(SessionEnd::Broken(
                "a line without CRLF, or too long".into(),
            ));
        }
        buf.truncate(buf.len() - 2);
        String::from_utf8(buf).map_err(|_| SessionEnd::Broken("a line that is not UTF-8".into()))
    }

    /// Exactly `n` octets (an IMAP literal).
    pub async fn exact(&mut self, n: usize) -> WireResult<Vec<u8>> {
        let mut buf = vec![0; n];
        step(self.stream.read_exact(&mut buf))
            .await?
            .map_err(|e| SessionEnd::Broken(format!("reading a literal: {e}")))?;
        Ok(buf)
    }
}

/// `f`'s outcome, or an error once it has taken longer than [`STEP`].
pub async fn step<T>(f: impl std::future::Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(STEP, f)
        .await
        .map_err(|_| format!("no answer within {} s", STEP.as_secs()))
}
