//! DNS look-ups through the configured resolver (DNS_RESOLVER, normally the
//! caching BIND9 beside each qprocessor), or /etc/resolv.conf when unset.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;

pub type Resolver = TokioResolver;

/// A resolver asking `server`, or the system's resolvers when `None`.
pub fn resolver(server: Option<SocketAddr>) -> Result<Resolver, String> {
    let mut builder = match server {
        Some(addr) => {
            let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
            for conn in &mut ns.connections {
                conn.port = addr.port();
            }
            let config = ResolverConfig::from_parts(None, vec![], vec![ns]);
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        }
        None => TokioResolver::builder_tokio().map_err(|e| format!("/etc/resolv.conf: {e}"))?,
    };
    let opts = builder.options_mut();
    opts.timeout = Duration::from_secs(3);
    opts.attempts = 2;
    // Names we look up are always complete domain names.
    opts.ndots = 0;
    builder.build().map_err(|e| format!("DNS resolver: {e}"))
}

/// What a look-up found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    Records(Vec<T>),
    /// The name exists but has no records of this type, or does not exist.
    None,
}

/// The TXT records of `name`, each record's strings joined (RFC 7208 3.3).
pub async fn txt(resolver: &Resolver, name: &str) -> Result<Answer<String>, String> {
    match resolver.txt_lookup(fqdn(name)).await {
        Ok(lookup) => Ok(Answer::Records(
            lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::TXT(txt) => Some(
                        txt.txt_data
                            .iter()
                            .map(|part| String::from_utf8_lossy(part).into_owned())
                            .collect::<String>(),
                    ),
                    _ => None,
                })
                .collect(),
        )),
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Answer::None),
        Err(e) => Err(format!("TXT look-up of {name} failed: {e}")),
    }
}

/// The MX records of `name`: preference and exchange (lower case, no
/// trailing dot), or the resolver's error, which tells a domain that does
/// not exist from one without MX records and from a failed look-up (the
/// qprocessor treats each differently).
pub async fn mx_records(
    resolver: &Resolver,
    name: &str,
) -> Result<Vec<(u16, String)>, hickory_resolver::net::NetError> {
    let lookup = resolver.mx_lookup(fqdn(name)).await?;
    Ok(lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            RData::MX(mx) => Some((
                mx.preference,
                mx.exchange
                    .to_ascii()
                    .trim_end_matches('.')
                    .to_ascii_lowercase(),
            )),
            _ => None,
        })
        .collect())
}

/// The MX records of `name`, as [`mx_records`] gives them; no domain and
/// no records are both `None`.
pub async fn mx(resolver: &Resolver, name: &str) -> Result<Answer<(u16, String)>, String> {
    match mx_records(resolver, name).await {
        Ok(records) => Ok(Answer::Records(records)),
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Answer::None),
        Err(e) => Err(format!("MX look-up of {name} failed: {e}")),
    }
}

fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}
