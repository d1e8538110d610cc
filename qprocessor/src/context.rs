//! What every delivery of one qprocessor shares.

use mismo_core::config::QueueSettings;
use mismo_core::dns::Resolver;
use mismo_core::Store;

pub struct Context {
    pub settings: QueueSettings,
    pub store: Store,
    pub resolver: Resolver,
}
