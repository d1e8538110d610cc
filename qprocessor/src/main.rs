//! qprocessor's binary: settings from the environment, then the queue.

#[tokio::main]
async fn main() {
    let settings = mismo_core::service::settings("qprocessor");
    qprocessor::run(settings).await;
}
