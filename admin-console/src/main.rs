//! admin-console: the operators' web console and JSON API.

#[tokio::main]
async fn main() {
    let settings = mismo_core::service::settings("admin-console");
    admin_console::run(settings).await;
}
