//! webmail: the users' web app, one binary.
//!
//! Pages are rendered on the server ([`templates`], autoescaped) and work
//! without JavaScript; every change is a POST carrying the session's CSRF
//! token ([`session`], [`form`]). Mail is read from and filed into the
//! same folders POP3 and IMAP serve, so a change here is seen there at
//! once. What a message shows goes through [`render`]: HTML sanitized and
//! framed without scripts, text escaped.

mod counts;
mod error;
mod form;
pub mod message;
mod pages;
pub mod render;
mod session;
mod state;
mod templates;

use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use mismo_core::config::WebmailSettings;
use mismo_core::service;

pub use state::AppState;

/// Serves webmail until a stop signal.
pub async fn run(settings: WebmailSettings) {
    let max_message_size = settings.max_message_size;
    let web = settings.web;
    let socket = service::bind("webmail", "WEBMAIL_LISTEN", web.listen).await;
    let Some(store) = service::connect_store(&web.store).await else {
        return;
    };
    tracing::info!(listen = %web.listen, "webmail serving");
    let app = router(AppState {
        store: store.clone(),
        max_message_size,
        hostname: web.node.hostname.clone(),
        counts: Default::default(),
    });
    let served = axum::serve(
        socket,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(mismo_core::shutdown::signal())
    .await;
    if let Err(e) = served {
        tracing::error!("webmail: {e}");
    }
    store.shutdown().await;
    tracing::info!("stopped");
}

/// Every route of webmail.
pub fn router(state: AppState) -> axum::Router {
    // A form may carry a whole message's worth of attachments, base64
    // making them a third larger on the way out; checked exactly once built.
    let body_limit = usize::try_from(state.max_message_size)
        .unwrap_or(usize::MAX / 2)
        .max(pages_picture_limit())
        .saturating_add(1 << 20);
    axum::Router::new()
        .merge(pages::routes())
        .merge(session::routes())
        .fallback(|| async { error::Failure::NotFound("There is no such page.".into()) })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(error::as_page))
        .layer(axum::middleware::from_fn(mismo_core::web::secure_headers))
        .with_state(state)
}

/// A picture upload's limit, with room for the form around it.
fn pages_picture_limit() -> usize {
    6 * 1024 * 1024
}
