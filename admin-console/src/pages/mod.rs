//! The console's pages.

mod account;
mod aliases;
mod audit;
mod dashboard;
mod domains;
mod mailboxes;
mod queue;

use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Value;

use crate::session::SignedIn;
use crate::state::AppState;
use crate::templates::render;
use mismo_core::web::HttpError;

pub fn routes() -> Router<AppState> {
    let router = Router::new()
        .route("/", get(dashboard::show))
        .route("/domains", get(domains::list).post(domains::add))
        .route("/domains/{name}", get(domains::show))
        .route("/domains/{name}/state", post(domains::set_state))
        .route("/domains/{name}/remove", post(domains::remove))
        .route("/domains/{name}/verify", post(domains::verify))
        .route("/account", get(account::show))
        .route("/account/totp", post(account::start_totp))
        .route("/account/totp/confirm", post(account::confirm_totp))
        .route("/account/totp/disable", post(account::disable_totp))
        .route("/aliases", get(aliases::list).post(aliases::add))
        .route("/aliases/{source}", get(aliases::show))
        .route(
            "/aliases/{source}/targets/remove",
            post(aliases::remove_target),
        )
        .route("/aliases/{source}/remove", post(aliases::remove))
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
        .route("/mailboxes/{address}/pgp", post(mailboxes::regenerate_key))
        .route("/mailboxes/{address}/pgp.asc", get(mailboxes::public_key))
        .route("/static/admin.css", get(stylesheet))
        .route("/static/favicon.svg", get(icon))
        .route("/favicon.ico", get(icon))
        .fallback(not_found)
        .layer(axum::middleware::map_response(crate::error::as_page));
    #[cfg(htmx)]
    let router = router.route("/static/htmx.min.js", get(htmx));
    router
}

/// htmx, fetched from npm by scripts/assets.sh: it turns links and forms
/// into in-place updates; every page works without it.
#[cfg(htmx)]
async fn htmx() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/vendor/htmx.min.js"),
    )
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

async fn icon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/favicon.svg"),
    )
}

async fn not_found() -> HttpError {
    HttpError::NotFound("no such page".into())
}

/// What a searchable, sortable, paged list page shows besides its rows:
/// the query to keep in its links, and the domains it may be narrowed to.
async fn list_context(
    state: &AppState,
    signed: &SignedIn,
    query: &crate::paging::ListQuery,
    next: Option<String>,
) -> Result<Value, HttpError> {
    let domains: Vec<String> = crate::domains::managed(state, &signed.admin)
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect();
    Ok(minijinja::context! {
        next,
        carried => query.carried(),
        q => query.q,
        sort => query.sort,
        domain => query.domain,
        paged => query.after.is_some(),
        domains,
    })
}

/// A destructive form must come with its confirmation box ticked; `what`
/// names the change in the error ("removal", "deletion").
fn confirmed(fields: &mismo_core::web::Fields, what: &str) -> Result<(), HttpError> {
    match fields.opt("confirm") {
        Some("yes") => Ok(()),
        _ => Err(HttpError::Invalid(format!(
            "tick the box to confirm the {what}"
        ))),
    }
}

/// Characters kept as they are in a path segment; the rest are escaped.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'@')
    .remove(b'+');

/// A redirect to one item: `prefix/segment`, the segment percent-encoded,
/// since an address may hold UTF-8 or characters a Location header cannot.
pub fn to_item(prefix: &str, segment: &str) -> axum::response::Redirect {
    let segment = percent_encoding::utf8_percent_encode(segment, SEGMENT);
    axum::response::Redirect::to(&format!("{prefix}/{segment}"))
}

/// A signed-in page: `template` rendered with the page's own values and
/// what the layout needs; `nav` is the menu entry it belongs to.
fn show(signed: &SignedIn, template: &str, nav: &str, page: Value) -> Html<String> {
    Html(render(template, context(signed, nav, page)))
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

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;

    #[test]
    fn redirects_escape_what_a_header_cannot_carry() {
        let response = super::to_item("/mailboxes", "zoë+x@a.test").into_response();
        assert_eq!(
            response.headers()["location"],
            "/mailboxes/zo%C3%AB+x@a.test"
        );
        let response = super::to_item("/queue", "a b\r\nSet-Cookie: x").into_response();
        assert_eq!(
            response.headers()["location"],
            "/queue/a%20b%0D%0ASet%2DCookie%3A%20x".replace("%2D", "-")
        );
    }
}
