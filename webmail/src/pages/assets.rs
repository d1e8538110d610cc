//! The static files, compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// Path, media type, contents.
const FILES: &[(&str, &str, &str)] = &[
    (
        "/static/webmail.css",
        CSS,
        include_str!("../../static/webmail.css"),
    ),
    (
        "/static/frame.css",
        CSS,
        include_str!("../../static/frame.css"),
    ),
    (
        "/static/webmail.js",
        JS,
        include_str!("../../static/webmail.js"),
    ),
    (
        "/static/clip.svg",
        SVG,
        include_str!("../../static/clip.svg"),
    ),
    (
        "/static/favicon.svg",
        SVG,
        include_str!("../../static/favicon.svg"),
    ),
    (
        "/favicon.ico",
        SVG,
        include_str!("../../static/favicon.svg"),
    ),
    // htmx, fetched from npm by scripts/assets.sh: the folder list and the
    // list's paging update in place; every page works without it.
    #[cfg(htmx)]
    (
        "/static/htmx.min.js",
        JS,
        include_str!("../../static/vendor/htmx.min.js"),
    ),
];

pub fn routes() -> Router<AppState> {
    FILES
        .iter()
        .fold(Router::new(), |router, &(path, media_type, body)| {
            router.route(
                path,
                get(move || async move {
                    (
                        [
                            (header::CONTENT_TYPE, media_type),
                            (header::CACHE_CONTROL, "public, max-age=3600"),
                        ],
                        body,
                    )
                        .into_response()
                }),
            )
        })
}
