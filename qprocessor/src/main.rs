//! qprocessor: reads its settings and prepares the store; its protocol is not
//! served yet, so it says so and exits cleanly.

use mismo_core::config::QueueSettings;
use mismo_core::service;

#[tokio::main]
async fn main() {
    let settings: QueueSettings = service::settings("qprocessor");
    let Some(store) = service::connect_store(&settings.store).await else {
        return;
    };
    tracing::info!("settings and store are ready; no listener in this version yet");
    store.shutdown().await;
}
