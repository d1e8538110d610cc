//! Why a request failed, told on a page with its HTTP status. Store
//! failures are logged; the page only says to try again.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::templates::render;

#[derive(Debug)]
pub enum Failure {
    /// The request itself is malformed (400).
    BadRequest(String),
    /// A form without its session's CSRF token (403).
    Forbidden(String),
    /// No such thing in this mailbox (404): another mailbox's message ids
    /// get the same answer as ids that never existed.
    NotFound(String),
    /// Well-formed but unacceptable values (422).
    Invalid(String),
    /// Larger than the message size limit (413).
    TooLarge(String),
    /// Too many failed sign-ins from this address (429).
    TooMany,
    /// The store did not answer (503).
    Unavailable,
}

impl Failure {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooMany => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::BadRequest(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Invalid(m)
            | Self::TooLarge(m) => m.clone(),
            Self::TooMany => "Too many failed sign-ins from your address; try again later.".into(),
            Self::Unavailable => "Mail storage is not answering; try again shortly.".into(),
        }
    }

    pub fn not_found() -> Self {
        Self::NotFound("There is no such message in your mailbox.".into())
    }
}

impl From<mismo_core::StoreError> for Failure {
    fn from(e: mismo_core::StoreError) -> Self {
        tracing::error!("store: {e}");
        Self::Unavailable
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        error_page(self.status(), self.message())
    }
}

/// The error page: the status, and what went wrong in words.
fn error_page(status: StatusCode, message: String) -> Response {
    let page = render(
        "error.html",
        minijinja::context! {
            title => status.canonical_reason().unwrap_or("Error"),
            status => status.as_u16(),
            message,
        },
    );
    (status, Html(page)).into_response()
}

/// Turns the web framework's own refusals (a wrong method, an unreadable
/// form or query, a body over the limit) into the same pages, with their
/// status, instead of its plain-text bodies.
pub async fn as_page(response: Response) -> Response {
    let status = response.status();
    let is_plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() && is_plain) {
        return response;
    }
    let message = match status {
        StatusCode::NOT_FOUND => "There is no such page.".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "That address does not take this kind of request.".into(),
        StatusCode::PAYLOAD_TOO_LARGE => "What you sent is larger than allowed.".into(),
        _ => "The request could not be read; reload the page and try again.".into(),
    };
    error_page(status, message)
}

impl From<mismo_core::admin::AdminError> for Failure {
    fn from(e: mismo_core::admin::AdminError) -> Self {
        use mismo_core::admin::AdminError;
        match e {
            AdminError::Invalid(m) | AdminError::Conflict(m) => Self::Invalid(capitalised(&m)),
            AdminError::NotFound(m) => Self::NotFound(capitalised(&m)),
            AdminError::Store(e) => e.into(),
        }
    }
}

/// A message from the shared admin code as a sentence.
fn capitalised(m: &str) -> String {
    let mut chars = m.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}
