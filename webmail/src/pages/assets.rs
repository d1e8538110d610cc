//! The static files, compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    let router = Router::new()
        .route(
            "/static/webmail.css",
            get(|| {
                file(
                    "text/css; charset=utf-8",
                    include_str!("../../static/webmail.css"),
                )
            }),
        )
        .route(
            "/static/frame.css",
            get(|| {
                file(
                    "text/css; charset=utf-8",
                    include_str!("../../static/frame.css"),
                )
            }),
        )
        .route(
            "/static/webmail.js",
            get(|| {
                file(
                    "text/javascript; charset=utf-8",
                    include_str!("../../static/webmail.js"),
                )
            }),
        )
        .route(
            "/static/favicon.svg",
            get(|| file("image/svg+xml", include_str!("../../static/favicon.svg"))),
        )
        .route(
            "/favicon.ico",
            get(|| file("image/svg+xml", include_str!("../../static/favicon.svg"))),
        );
    // htmx, fetched from npm by scripts/assets.sh: the folder list and the
    // list's paging update in place; every page works without it.
    #[cfg(htmx)]
    let router = router.route(
        "/static/htmx.min.js",
        get(|| {
            file(
                "text/javascript; charset=utf-8",
                include_str!("../../static/vendor/htmx.min.js"),
            )
        }),
    );
    router
}

async fn file(media_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}
