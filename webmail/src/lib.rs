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

use axum::extract::DefaultBodyLimit;
use mismo_core::config::WebmailSettings;

pub use state::AppState;

/// Serves webmail until a stop signal.
pub async fn run(settings: WebmailSettings) {
    let max_message_size = settings.max_message_size;
    let send_limits = settings.send_limits;
    let hostname = settings.web.node.hostname.clone();
    mismo_core::web::serve("webmail", "WEBMAIL_LISTEN", &settings.web, |store| {
        router(AppState {
            store,
            max_message_size,
            send_limits,
            hostname,
            counts: Default::default(),
        })
    })
    .await;
}

/// Every route of webmail.
pub fn router(state: AppState) -> axum::Router {
    // A form may carry a whole message's worth of attachments, base64
    // making them a third larger on the way out; checked exactly once built.
    let body_limit = usize::try_from(state.max_message_size)
        .unwrap_or(usize::MAX / 2)
        .max(PICTURE_FORM)
        .saturating_add(1 << 20);
    axum::Router::new()
        .merge(pages::routes())
        .merge(session::routes())
        .fallback(|| async {
            mismo_core::web::HttpError::NotFound("There is no such page.".into())
        })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(error::as_page))
        .layer(axum::middleware::from_fn(mismo_core::web::secure_headers))
        .with_state(state)
}

/// A picture upload's form: the picture (at most 5 MB) and room around it.
const PICTURE_FORM: usize = 6 * 1024 * 1024;
