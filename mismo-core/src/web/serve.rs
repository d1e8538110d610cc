//! Running a web app: its listener, the store, and a clean stop.

use std::net::SocketAddr;

use crate::config::WebSettings;
use crate::{service, Store};

/// Binds `settings.listen` (named `variable` in errors), connects to the
/// store, and serves the router `app` makes until a stop signal; then
/// closes the store's connections.
pub async fn serve(
    name: &str,
    variable: &str,
    settings: &WebSettings,
    app: impl FnOnce(Store) -> axum::Router,
) {
    let socket = service::bind(name, variable, settings.listen).await;
    let Some(store) = service::connect_store(&settings.store).await else {
        return;
    };
    tracing::info!(listen = %settings.listen, "{name} serving");
    let trusted: std::sync::Arc<[std::net::IpAddr]> = settings.trusted_proxies.clone().into();
    let app = app(store.clone()).layer(axum::middleware::from_fn(move |request, next| {
        super::behind_proxies(std::sync::Arc::clone(&trusted), request, next)
    }));
    let served = axum::serve(
        socket,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(crate::shutdown::signal())
    .await;
    if let Err(e) = served {
        tracing::error!("{name}: {e}");
    }
    store.shutdown().await;
    tracing::info!("stopped");
}
