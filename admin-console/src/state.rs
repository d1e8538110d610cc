//! What every request handler shares.

use std::net::SocketAddr;

use mismo_core::admin::Admin;
use mismo_core::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// DNS_RESOLVER (`None`: the system's), for domain verification.
    pub dns_resolver: Option<SocketAddr>,
}

impl AppState {
    pub fn new(store: Store, dns_resolver: Option<SocketAddr>) -> Self {
        Self {
            store,
            dns_resolver,
        }
    }

    /// A resolver with an empty cache: "check now" must not be answered
    /// from what an earlier check found (a record just published would
    /// stay unseen for the negative answer's TTL).
    pub fn fresh_resolver(&self) -> Result<mismo_core::dns::Resolver, String> {
        mismo_core::dns::resolver(self.dns_resolver)
    }

    pub fn admin(&self) -> Admin<'_> {
        Admin::new(&self.store)
    }
}
