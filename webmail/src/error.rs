//! How webmail shows a failure: a page with the status and what went
//! wrong in words (the failure itself is `mismo_core::web::HttpError`).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use mismo_core::web::{failure_of, HttpError};

use crate::templates::render;

/// A message id that names nothing in this mailbox: another mailbox's ids
/// get the same answer as ids that never existed.
pub fn no_such_message() -> HttpError {
    HttpError::NotFound("There is no such message in your mailbox.".into())
}

/// The error page: the status, and what went wrong in words.
fn error_page(status: StatusCode, message: &str) -> Response {
    let page = render(
        "error.html",
        minijinja::context! {
            title => status.canonical_reason().unwrap_or("Error"),
            status => status.as_u16(),
            message => sentence(message),
        },
    );
    (status, Html(page)).into_response()
}

/// Shows every failure, and the web framework's own refusals (a wrong
/// method, an unreadable form or query, a body over the limit), as pages
/// in webmail's look instead of plain text.
pub async fn as_page(response: Response) -> Response {
    match failure_of(response).await {
        Ok(HttpError::Rejected(status, _)) => {
            let message = match status {
                StatusCode::NOT_FOUND => "There is no such page.",
                StatusCode::METHOD_NOT_ALLOWED => {
                    "That address does not take this kind of request."
                }
                StatusCode::PAYLOAD_TOO_LARGE => "What you sent is larger than allowed.",
                _ => "The request could not be read; reload the page and try again.",
            };
            error_page(status, message)
        }
        Ok(failure) => error_page(failure.status(), &failure.message()),
        Err(response) => response,
    }
}

/// A message as a sentence: the shared admin code words its refusals in
/// lower case without a full stop.
fn sentence(m: &str) -> String {
    let mut chars = m.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(sentence("password too short"), "Password too short.");
        assert_eq!(sentence("Done."), "Done.");
    }
}
