//! What every request handler shares.

use std::net::SocketAddr;

use mismo_core::admin::Admin;
use mismo_core::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// DNS_RESOLVER (`None`: the system's), for domain verification.
    pub dns_resolver: Option<SocketAddr>,
    /// MISMO_HOSTNAME: the MX host every hosted domain should name.
    pub mx_host: String,
}

impl AppState {
    pub fn new(store: Store, dns_resolver: Option<SocketAddr>, mx_host: String) -> Self {
        Self {
            store,
            dns_resolver,
            mx_host,
        }
    }

    /// A resolver with an empty cache: "check now" must not be answered
    /// from what an earlier check found (a record just published would
    /// stay unseen for the negative answer's TTL).
    pub fn fresh_resolver(&self) -> Result<mismo_core::dns::Resolver, mismo_core::web::HttpError> {
        mismo_core::dns::resolver(self.dns_resolver).map_err(|e| {
            tracing::error!("DNS resolver: {e}");
            mismo_core::web::HttpError::Unavailable
        })
    }

    pub fn admin(&self) -> Admin<'_> {
        Admin::new(&self.store)
    }
}
