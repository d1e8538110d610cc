//! The TCP stream the relay speaks SMTP over: Nagle's algorithm off, and
//! every read and write bounded in time.
//!
//! lettre writes the end-of-data dot in a write of its own after the body;
//! with Nagle on, that small segment waits for the peer's delayed ACK (up to
//! 40 ms on Linux) on every message. And lettre bounds only the connect, so a
//! host that stops answering mid-session would hold a delivery slot for ever;
//! RFC 5321 4.5.3.2 gives each step minutes, never no limit.
//!
//! It can also say HELO where lettre says EHLO. lettre greets with EHLO
//! only and gives up when the server refuses it; RFC 1869 4.5 (kept by RFC
//! 5321 3.2) says to fall back to HELO. The relay then connects again with
//! a stream that turns the first command's `EH` into `HE`: lettre reads the
//! `250` to HELO as an EHLO reply with no extensions, which is what it is.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::transport::smtp::client::AsyncTokioStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_io_timeout::TimeoutStream;

#[derive(Debug)]
pub struct RelayStream {
    inner: Pin<Box<TimeoutStream<TcpStream>>>,
    /// Greet with HELO: the first two bytes written become `HE`.
    helo: bool,
    written: usize,
}

/// Which greeting the session opens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Greeting {
    Ehlo,
    Helo,
}

impl RelayStream {
    /// Connects within `step`, and fails any later read or write that waits
    /// longer than `step`.
    pub async fn connect(addr: SocketAddr, step: Duration, greeting: Greeting) -> io::Result<Self> {
        let tcp = tokio::time::timeout(step, TcpStream::connect(addr))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connection timed out"))??;
        tcp.set_nodelay(true)?;
        let mut stream = TimeoutStream::new(tcp);
        stream.set_read_timeout(Some(step));
        stream.set_write_timeout(Some(step));
        Ok(Self {
            inner: Box::pin(stream),
            helo: greeting == Greeting::Helo,
            written: 0,
        })
    }

    /// `buf` with the bytes of `EH` at the start of the stream made `HE`.
    fn as_helo(&self, buf: &[u8]) -> Option<Vec<u8>> {
        if !self.helo || self.written >= 2 {
            return None;
        }
        let mut patched = buf.to_vec();
        for (i, b) in patched.iter_mut().take(2 - self.written).enumerate() {
            let at = self.written + i;
            if *b == b"EH"[at] {
                *b = b"HE"[at];
            }
        }
        Some(patched)
    }
}

impl AsyncRead for RelayStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.inner.as_mut().poll_read(cx, buf)
    }
}

impl AsyncWrite for RelayStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // Same length, so the count written maps one to one.
        let patched = self.as_helo(buf);
        let polled = self
            .inner
            .as_mut()
            .poll_write(cx, patched.as_deref().unwrap_or(buf));
        if let Poll::Ready(Ok(n)) = polled {
            self.written = self.written.saturating_add(n);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.as_mut().poll_shutdown(cx)
    }
}

impl AsyncTokioStream for RelayStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    async fn first_line(greeting: Greeting, writes: &[&[u8]]) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut text = String::new();
            s.read_to_string(&mut text).await.unwrap();
            text
        });
        let mut stream = RelayStream::connect(addr, Duration::from_secs(5), greeting)
            .await
            .unwrap();
        for w in writes {
            stream.write_all(w).await.unwrap();
        }
        stream.shutdown().await.unwrap();
        drop(stream);
        server.await.unwrap()
    }

    #[tokio::test]
    async fn helo_replaces_only_the_first_greeting() {
        let text = first_line(Greeting::Helo, &[b"EHLO mx.example.org\r\n", b"EHLO x\r\n"]).await;
        assert_eq!(text, "HELO mx.example.org\r\nEHLO x\r\n");
        // Even when the greeting is written a byte at a time.
        let text = first_line(Greeting::Helo, &[b"E", b"H", b"LO a\r\n"]).await;
        assert_eq!(text, "HELO a\r\n");
        let text = first_line(Greeting::Ehlo, &[b"EHLO a\r\n"]).await;
        assert_eq!(text, "EHLO a\r\n");
    }
}
