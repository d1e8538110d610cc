//! The PROXY protocol (v1 text and v2 binary, as HAProxy's `send-proxy` and
//! `send-proxy-v2` send it) from trusted load balancers: the header they put
//! before the client's bytes names the real client, which connection limits,
//! Received headers and logs then use. Only the listed balancers' addresses
//! may send one, as Dovecot's `haproxy_trusted_networks` works; anyone else
//! connecting directly is served as they are.
//!
//! The header is parsed by the `ppp` crate; this file only reads exactly the
//! header's bytes off the stream, since the client's own first bytes (a TLS
//! ClientHello) may follow in the same segment and must stay unread.

use std::net::SocketAddr;
use std::time::Duration;

use ppp::{v1, v2, HeaderResult};
use tokio::io::{AsyncRead, AsyncReadExt};

/// How long a balancer may take to send the header.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// The v2 signature (the PROXY protocol specification, section 2.2).
const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// A v1 header is at most 107 octets, CRLF included (section 2.1).
const V1_MAX: usize = 107;
/// Far above what HAProxy sends (addresses and a few TLVs).
const V2_MAX: usize = 16 + 1024;

/// Reads the header at the start of `stream` and returns the client it
/// names; `None` for a header that names none (a LOCAL command, or
/// UNKNOWN: the balancer's own health check), which is served as the
/// balancer itself.
pub async fn read_header<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> Result<Option<SocketAddr>, String> {
    let mut header = vec![0u8; 8];
    stream
        .read_exact(&mut header)
        .await
        .map_err(|e| format!("PROXY header: {e}"))?;
    if header.starts_with(b"PROXY ") {
        // Text: up to CRLF, one octet at a time, never past it.
        while !header.ends_with(b"\r\n") {
            if header.len() >= V1_MAX {
                return Err("PROXY v1 header too long".into());
            }
            header.push(
                stream
                    .read_u8()
                    .await
                    .map_err(|e| format!("PROXY header: {e}"))?,
            );
        }
    } else if header[..] == V2_SIGNATURE[..8] {
        header.resize(16, 0);
        stream
            .read_exact(&mut header[8..])
            .await
            .map_err(|e| format!("PROXY header: {e}"))?;
        let length = usize::from(u16::from_be_bytes([header[14], header[15]]));
        if 16 + length > V2_MAX {
            return Err(format!("PROXY v2 header of {length} octets is too long"));
        }
        header.resize(16 + length, 0);
        stream
            .read_exact(&mut header[16..])
            .await
            .map_err(|e| format!("PROXY header: {e}"))?;
    } else {
        return Err("no PROXY header from a balancer that must send one".into());
    }
    client(&header)
}

/// The client a complete header names.
fn client(header: &[u8]) -> Result<Option<SocketAddr>, String> {
    match HeaderResult::parse(header) {
        HeaderResult::V1(Ok(h)) => Ok(match h.addresses {
            v1::Addresses::Tcp4(a) => Some((a.source_address, a.source_port).into()),
            v1::Addresses::Tcp6(a) => Some((a.source_address, a.source_port).into()),
            v1::Addresses::Unknown => None,
        }),
        HeaderResult::V2(Ok(h)) => Ok(match (h.command, h.addresses) {
            (v2::Command::Local, _) => None,
            (_, v2::Addresses::IPv4(a)) => Some((a.source_address, a.source_port).into()),
            (_, v2::Addresses::IPv6(a)) => Some((a.source_address, a.source_port).into()),
            (_, v2::Addresses::Unspecified | v2::Addresses::Unix(_)) => None,
        }),
        HeaderResult::V1(Err(e)) => Err(format!("bad PROXY v1 header: {e}")),
        HeaderResult::V2(Err(e)) => Err(format!("bad PROXY v2 header: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(bytes: &[u8]) -> (Result<Option<SocketAddr>, String>, Vec<u8>) {
        let mut stream = bytes;
        let found = read_header(&mut stream).await;
        (found, stream.to_vec())
    }

    #[tokio::test]
    async fn v1_names_the_client_and_leaves_what_follows() {
        let (client, rest) = read(b"PROXY TCP4 192.0.2.7 10.0.0.1 40000 25\r\nEHLO x\r\n").await;
        assert_eq!(client.unwrap(), Some("192.0.2.7:40000".parse().unwrap()));
        assert_eq!(rest, b"EHLO x\r\n");
        let (client, rest) = read(b"PROXY UNKNOWN\r\n\x16\x03\x01").await;
        assert_eq!(client.unwrap(), None);
        assert_eq!(rest, b"\x16\x03\x01", "a TLS ClientHello stays unread");
        let (client, _) = read(b"PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n").await;
        assert_eq!(client.unwrap(), Some("[2001:db8::1]:1".parse().unwrap()));
    }

    #[tokio::test]
    async fn v2_names_the_client_and_leaves_what_follows() {
        let header = v2::Builder::with_addresses(
            v2::Version::Two | v2::Command::Proxy,
            v2::Protocol::Stream,
            (
                "198.51.100.4:5555".parse::<SocketAddr>().unwrap(),
                "10.0.0.1:465".parse::<SocketAddr>().unwrap(),
            ),
        )
        .build()
        .unwrap();
        let mut bytes = header.clone();
        bytes.extend_from_slice(b"\x16\x03\x01");
        let (client, rest) = read(&bytes).await;
        assert_eq!(client.unwrap(), Some("198.51.100.4:5555".parse().unwrap()));
        assert_eq!(rest, b"\x16\x03\x01");
        let local = v2::Builder::with_addresses(
            v2::Version::Two | v2::Command::Local,
            v2::Protocol::Unspecified,
            v2::Addresses::Unspecified,
        )
        .build()
        .unwrap();
        assert_eq!(read(&local).await.0.unwrap(), None);
    }

    #[tokio::test]
    async fn anything_else_is_refused() {
        for bad in [
            &b"EHLO client.test\r\n"[..],
            b"PROXY TCP4 not-an-ip 10.0.0.1 1 2\r\n",
            b"PROXY TCP4 192.0.2.7",
            &[b'P', b'R', b'O', b'X', b'Y', b' ', b'x', b'x'].repeat(20),
        ] {
            assert!(
                read(bad).await.0.is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
