//! The TCP stream the relay speaks SMTP over: Nagle's algorithm off, and
//! every read and write bounded in time.
//!
//! lettre writes the end-of-data dot in a write of its own after the body;
//! with Nagle on, that small segment waits for the peer's delayed ACK (up to
//! 40 ms on Linux) on every message. And lettre bounds only the connect, so a
//! host that stops answering mid-session would hold a delivery slot for ever;
//! RFC 5321 4.5.3.2 gives each step minutes, never no limit.

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
pub struct RelayStream(Pin<Box<TimeoutStream<TcpStream>>>);

impl RelayStream {
    /// Connects within `step`, and fails any later read or write that waits
    /// longer than `step`.
    pub async fn connect(addr: SocketAddr, step: Duration) -> io::Result<Self> {
        let tcp = tokio::time::timeout(step, TcpStream::connect(addr))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connection timed out"))??;
        tcp.set_nodelay(true)?;
        let mut stream = TimeoutStream::new(tcp);
        stream.set_read_timeout(Some(step));
        stream.set_write_timeout(Some(step));
        Ok(Self(Box::pin(stream)))
    }
}

impl AsyncRead for RelayStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_read(cx, buf)
    }
}

impl AsyncWrite for RelayStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_shutdown(cx)
    }
}

impl AsyncTokioStream for RelayStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().peer_addr()
    }
}
