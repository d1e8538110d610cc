//! Why a request failed, told to a person (a page) or a program (JSON).
//! Store failures are logged; the answer only says to try again.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use mismo_core::admin::AdminError;

#[derive(Debug)]
pub enum Failure {
    /// The request itself is malformed (400).
    BadRequest(String),
    /// Not signed in, or an unknown token (401).
    Unauthorized,
    /// Signed in, but not allowed, or a form without its CSRF token (403).
    Forbidden(String),
    /// No such thing, or none this administrator may see (404).
    NotFound(String),
    /// Conflicts with what exists (409).
    Conflict(String),
    /// Well-formed but unacceptable values (422).
    Invalid(String),
    /// Too many failed sign-ins from this address (429).
    TooMany,
    /// The store did not answer (503).
    Unavailable,
    /// Refused by the web framework before any handler ran (a wrong
    /// method, an unreadable query or body), with its status.
    Rejected(StatusCode, String),
}

impl Failure {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooMany => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Rejected(status, _) => *status,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::BadRequest(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Conflict(m)
            | Self::Invalid(m)
            | Self::Rejected(_, m) => m.clone(),
            Self::Unauthorized => "sign in first: no valid session or token".into(),
            Self::TooMany => "too many failed sign-ins from your address; try again later".into(),
            Self::Unavailable => "the store is not answering; try again shortly".into(),
        }
    }
}

impl From<AdminError> for Failure {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Invalid(m) => Self::Invalid(m),
            AdminError::NotFound(m) => Self::NotFound(m),
            AdminError::Conflict(m) => Self::Conflict(m),
            AdminError::Store(e) => e.into(),
        }
    }
}

impl From<mismo_core::model::address::AddressError> for Failure {
    fn from(e: mismo_core::model::address::AddressError) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl From<mismo_core::StoreError> for Failure {
    fn from(e: mismo_core::StoreError) -> Self {
        tracing::warn!("store: {e}");
        Self::Unavailable
    }
}

/// A failure answered as a page.
pub struct PageError(pub Failure);

impl<E: Into<Failure>> From<E> for PageError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let page = crate::templates::render(
            "error.html",
            minijinja::context! {
                title => status.canonical_reason().unwrap_or("Error"),
                status => status.as_u16(),
                message => self.0.message(),
            },
        );
        (status, Html(page)).into_response()
    }
}

/// A failure answered as JSON: `{"error": "..."}`.
pub struct ApiError(pub Failure);

impl<E: Into<Failure>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let mut response = (
            status,
            Json(serde_json::json!({ "error": self.0.message() })),
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
}

/// Rejections that axum answers by itself (a malformed query, path or
/// body, a method a route does not have) come as bare text. These turn
/// them into the console's own answers: JSON for the API, a page for the
/// pages, with axum's text as the message.
async fn plain_rejection(response: Response) -> Result<Failure, Response> {
    let status = response.status();
    let is_plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !status.is_client_error() || !is_plain {
        return Err(response);
    }
    let body = axum::body::to_bytes(response.into_body(), 64 << 10)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body).trim().to_string();
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("bad request")
            .to_lowercase()
    } else {
        text
    };
    Ok(Failure::Rejected(status, message))
}

pub async fn as_json(response: Response) -> Response {
    match plain_rejection(response).await {
        Ok(failure) => ApiError(failure).into_response(),
        Err(response) => response,
    }
}

pub async fn as_page(response: Response) -> Response {
    match plain_rejection(response).await {
        Ok(failure) => PageError(failure).into_response(),
        Err(response) => response,
    }
}
