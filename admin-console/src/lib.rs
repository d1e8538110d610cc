//! admin-console: the operators' web console and its JSON API, one binary.
//!
//! Pages are rendered on the server ([`templates`], autoescaped) and work
//! without JavaScript; every change is a POST carrying the session's CSRF
//! token ([`session`]). The API under `/api/v1` ([`api`]) runs the same
//! operations with a bearer token. Both act through `mismo_core::admin`, as
//! mismoctl does, and both ask [`scope`] what an administrator may see.

// The OpenAPI document is one `json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

mod actor;
mod aliases;
mod api;
mod audit;
mod domains;
mod error;
mod mailboxes;
mod openapi;
mod overview;
mod pages;
mod paging;
mod queue;
mod scope;
mod session;
mod state;
mod templates;

use mismo_core::config::AdminSettings;
use mismo_core::service;

pub use state::AppState;

/// Serves the console until a stop signal.
pub async fn run(settings: AdminSettings) {
    // Checked once at start, so a bad resolver set-up is told at once.
    if let Err(e) = mismo_core::dns::resolver(settings.dns_resolver) {
        service::fail("admin-console", &format!("DNS_RESOLVER: {e}"));
    }
    let dns_resolver = settings.dns_resolver;
    let mx_host = settings.web.node.hostname.clone();
    mismo_core::web::serve("admin-console", "ADMIN_LISTEN", &settings.web, |store| {
        router(AppState::new(store, dns_resolver, mx_host))
    })
    .await;
}

/// Every route of the console and the API.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .merge(pages::routes())
        .merge(session::routes())
        .nest("/api/v1", api::routes())
        .layer(axum::middleware::from_fn(mismo_core::web::secure_headers))
        .with_state(state)
}
