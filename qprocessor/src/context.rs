//! What every delivery of one qprocessor shares.

use mismo_core::config::QueueSettings;
use mismo_core::dns::Resolver;
use mismo_core::{Directory, Store};

use crate::connection_cache::ConnectionCache;
use crate::finisher::Finisher;

pub struct Context {
    pub settings: QueueSettings,
    pub store: Store,
    /// Domains, mailboxes, aliases and keys, cached while unchanged.
    pub directory: Directory,
    pub resolver: Resolver,
    /// SMTP connections parked between messages to the same host.
    pub connections: ConnectionCache,
    /// Writes delivery results back, many to a request.
    pub finisher: Finisher,
}
