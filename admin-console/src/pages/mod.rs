//! The console's pages.

mod audit;
mod dashboard;
mod domains;
mod mailboxes;
mod queue;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use minijinja::Value;

use crate::error::{Failure, PageError};
use crate::session::SignedIn;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/domains", get(domains::list).post(domains::add))
        .route("/domains/{name}", get(domains::show))
        .route("/domains/{name}/state", post(domains::set_state))
        .route("/domains/{name}/remove", post(domains::remove))
        .route("/audit", get(audit::list))
        .route("/queue", get(queue::list))
        .route("/queue/{id}", get(queue::show))
        .route("/queue/{id}/retry", post(queue::retry))
        .route("/queue/{id}/delete", post(queue::delete))
        .route("/mailboxes", get(mailboxes::list).post(mailboxes::add))
        .route("/mailboxes/{address}", get(mailboxes::show))
        .route("/mailboxes/{address}/state", post(mailboxes::set_state))
        .route(
            "/mailboxes/{address}/password",
            post(mailboxes::set_password),
        )
        .route("/mailboxes/{address}/details", post(mailboxes::set_details))
        .route("/static/admin.css", get(stylesheet))
        .fallback(not_found)
        .layer(axum::middleware::map_response(crate::error::as_page))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/admin.css"),
    )
}

async fn not_found() -> PageError {
    PageError(Failure::NotFound("no such page".into()))
}

/// What every signed-in page's layout needs, merged with the page's own.
fn context(signed: &SignedIn, nav: &str, page: Value) -> Value {
    let layout = minijinja::context! {
        admin => minijinja::context! {
            name => signed.admin.name,
            role => signed.admin.role.as_str(),
        },
        csrf => signed.session.csrf,
        global => signed.admin.role == mismo_core::model::AdminRole::Global,
        nav,
    };
    minijinja::context! { ..page, ..layout }
}
