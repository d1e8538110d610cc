//! Who the client of a request is: the connection's peer, or, when the
//! peer is one of WEB_TRUSTED_PROXIES, the address it names in
//! `X-Forwarded-For`. Every limit keyed by address (sign-in budgets, the
//! audit log's addresses) then sees the real client behind a TLS proxy,
//! while a client talking directly cannot pick an address by sending the
//! header itself.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

/// The client address of a request ([`super::serve`] records it on each);
/// the unspecified address if the router was served without it.
pub fn client_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(peer)| peer.ip())
}

/// Middleware: replaces the connection's address with the client a
/// trusted proxy forwarded, so handlers asking `ConnectInfo` get the client.
pub async fn behind_proxies(trusted: Arc<[IpAddr]>, mut request: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    {
        let client = forwarded_client(peer.ip(), request.headers(), &trusted);
        if client != peer.ip() {
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::new(client, peer.port())));
        }
    }
    next.run(request).await
}

/// The client behind `peer`: walking `X-Forwarded-For` from its right end
/// (the hop nearest to us) past every trusted proxy, the first address that
/// is not one. Anything unreadable on the way stops the walk at the last
/// address known, as does a peer that is not trusted.
pub fn forwarded_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer;
    // Several headers are one list, in order (RFC 9110 5.3).
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.iter().rev() {
        if !trusted.contains(&client) {
            break;
        }
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => client = ip,
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_taken_as_they_are() {
        let h = headers(&["203.0.113.9"]);
        assert_eq!(
            forwarded_client(ip("198.51.100.1"), &h, &[]),
            ip("198.51.100.1")
        );
        assert_eq!(
            forwarded_client(ip("198.51.100.1"), &h, &[ip("10.0.0.5")]),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let trusted = [ip("10.0.0.5")];
        let h = headers(&["203.0.113.9"]);
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &h, &trusted),
            ip("203.0.113.9")
        );
        // Without the header, the proxy is the client.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &HeaderMap::new(), &trusted),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn addresses_a_client_wrote_itself_are_not_believed() {
        // The client sent "1.2.3.4" itself; the proxy appended the client.
        let trusted = [ip("10.0.0.5"), ip("10.0.0.6")];
        let h = headers(&["1.2.3.4, 203.0.113.9"]);
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &h, &trusted),
            ip("203.0.113.9")
        );
        // Two proxies in a row, the header split over two lines.
        let h = headers(&["1.2.3.4, 203.0.113.9", "10.0.0.6"]);
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &h, &trusted),
            ip("203.0.113.9")
        );
        // Garbage stops the walk at the last trusted hop.
        let h = headers(&["203.0.113.9, not-an-address"]);
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &h, &trusted),
            ip("10.0.0.5")
        );
    }
}
