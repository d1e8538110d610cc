//! imapd's binary: settings from the environment, then the server.

#[tokio::main]
async fn main() {
    let settings = mismo_core::service::settings("imapd");
    imapd::run(settings).await;
}
