//! How the console shows a failure (`mismo_core::web::HttpError`): a page
//! in the console's look for the pages, JSON for the API. The web
//! framework's own plain-text refusals are shown the same way, with its
//! text as the message.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use mismo_core::web::{failure_of, HttpError};

/// A failure as a page.
fn page(failure: HttpError) -> Response {
    let status = failure.status();
    let page = crate::templates::render(
        "error.html",
        minijinja::context! {
            title => status.canonical_reason().unwrap_or("Error"),
            status => status.as_u16(),
            message => failure.message(),
        },
    );
    (status, Html(page)).into_response()
}

/// A failure as JSON: `{"error": "..."}`.
fn json(failure: HttpError) -> Response {
    let status = failure.status();
    let mut response = (
        status,
        Json(serde_json::json!({ "error": failure.message() })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

/// The API's response layer.
pub async fn as_json(response: Response) -> Response {
    match failure_of(response).await {
        Ok(failure) => json(failure),
        Err(response) => response,
    }
}

/// The pages' response layer.
pub async fn as_page(response: Response) -> Response {
    match failure_of(response).await {
        Ok(failure) => page(failure),
        Err(response) => response,
    }
}
