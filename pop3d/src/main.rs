//! pop3d's binary: settings from the environment, then the server.

#[tokio::main]
async fn main() {
    let settings = mismo_core::service::settings("pop3d");
    pop3d::run(settings).await;
}
