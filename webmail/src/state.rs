//! What every request handler shares.

use std::sync::Arc;

use mismo_core::Store;

use crate::counts::Counts;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// SMTP_MAX_MESSAGE_SIZE: what submission accepts, webmail too.
    pub max_message_size: u64,
    /// SEND_LIMIT_*: webmail's sends count with submission's.
    pub send_limits: mismo_core::sending::SendLimits,
    /// MISMO_HOSTNAME: in Message-IDs and the Received line.
    pub hostname: String,
    /// Folder counts, kept while their folders do not change.
    pub counts: Arc<Counts>,
}
