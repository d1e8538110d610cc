//! webmail: the users' web app.

#[tokio::main]
async fn main() {
    let settings = mismo_core::service::settings("webmail");
    webmail::run(settings).await;
}
