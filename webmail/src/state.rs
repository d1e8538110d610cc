//! What every request handler shares.

use mismo_core::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// SMTP_MAX_MESSAGE_SIZE: what submission accepts, webmail too.
    pub max_message_size: u64,
    /// MISMO_HOSTNAME: in Message-IDs and the Received line.
    pub hostname: String,
}
