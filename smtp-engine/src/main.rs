//! smtp-engine's binary: settings from the environment, then the engine.

#[tokio::main]
async fn main() {
    let settings = mismo_core::service::settings("smtp-engine");
    smtp_engine::run(settings).await;
}
