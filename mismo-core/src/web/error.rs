//! Why a request failed, the same for every web app: a status and words
//! for a person. Store failures are logged; the answer only says to try
//! again, never what went wrong inside.
//!
//! A handler returns an [`HttpError`]; its response carries the failure,
//! and the app's one response layer shows it in the app's own way (a page
//! in its look, or JSON for an API) through [`failure_of`], which also
//! catches the web framework's own plain-text refusals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::admin::AdminError;
use crate::model::address::AddressError;
use crate::StoreError;

#[derive(Debug, Clone)]
pub enum HttpError {
    /// The request itself is malformed (400).
    BadRequest(String),
    /// Not signed in, or an unknown token (401).
    Unauthorized,
    /// Signed in, but not allowed, or a form without its CSRF token (403).
    Forbidden(String),
    /// No such thing, or none this user may see (404): another owner's
    /// ids get the same answer as ids that never existed.
    NotFound(String),
    /// Conflicts with what exists (409).
    Conflict(String),
    /// Well-formed but unacceptable values (422).
    Invalid(String),
    /// Larger than allowed (413).
    TooLarge(String),
    /// Too many failed sign-ins from this address (429).
    TooMany,
    /// Over a rate limit other than sign-ins, such as sending's (429).
    Limited(String),
    /// The store did not answer (503).
    Unavailable,
    /// Refused by the web framework before any handler ran (a wrong
    /// method, an unreadable query or body), with its status and text.
    Rejected(StatusCode, String),
}

impl HttpError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooMany | Self::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
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
            | Self::TooLarge(m)
            | Self::Limited(m)
            | Self::Rejected(_, m) => m.clone(),
            Self::Unauthorized => "Sign in first: no valid session or token.".into(),
            Self::TooMany => {
                "You made too many failed sign-ins from your address; try again later.".into()
            }
            Self::Unavailable => "Mail storage is not answering; try again shortly.".into(),
        }
    }
}

impl From<StoreError> for HttpError {
    fn from(e: StoreError) -> Self {
        if let StoreError::Limit(m) = e {
            return Self::Invalid(m);
        }
        tracing::warn!("store: {e}");
        Self::Unavailable
    }
}

impl From<AdminError> for HttpError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Invalid(m) => Self::Invalid(m),
            AdminError::NotFound(m) => Self::NotFound(m),
            AdminError::Conflict(m) => Self::Conflict(m),
            AdminError::Store(e) => e.into(),
        }
    }
}

impl From<AddressError> for HttpError {
    fn from(e: AddressError) -> Self {
        Self::Invalid(e.to_string())
    }
}

/// The failure a response carries, for the app's layer to show.
#[derive(Clone)]
struct Carried(HttpError);

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(Carried(self));
        response
    }
}

/// The failure `response` tells: one a handler returned, or a refusal the
/// web framework answered by itself in plain text (as
/// [`HttpError::Rejected`] with its text). Any other response comes back
/// untouched.
pub async fn failure_of(mut response: Response) -> Result<HttpError, Response> {
    if let Some(Carried(failure)) = response.extensions_mut().remove::<Carried>() {
        return Ok(failure);
    }
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
    Ok(HttpError::Rejected(status, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failure_travels_in_its_response_to_the_layer() {
        let answer = HttpError::NotFound("no such thing".into()).into_response();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND);
        let told = failure_of(answer).await.ok().unwrap();
        assert_eq!(told.message(), "no such thing");
        let refused = (StatusCode::METHOD_NOT_ALLOWED, "").into_response();
        let told = failure_of(refused).await.ok().unwrap();
        assert!(
            matches!(told, HttpError::Rejected(StatusCode::METHOD_NOT_ALLOWED, ref m) if m == "method not allowed")
        );
        let page = (StatusCode::OK, axum::response::Html("<p>hi")).into_response();
        assert!(failure_of(page).await.is_err());
        assert_eq!(
            HttpError::from(StoreError::Other("x".into())).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert!(!HttpError::Unavailable.message().contains('x'));
    }
}
