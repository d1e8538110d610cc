//! What Mismo's web apps (admin-console, webmail) share: the request layer
//! (failures, forms with their CSRF check, who is signed in), the response
//! headers every answer carries, cookies, the sign-in form's protection,
//! templates, and serving. Built with the `web`
//! feature, so the mail services do not link axum.

mod client;
mod cookies;
mod error;
mod form;
mod headers;
mod serve;
mod session;
pub mod sign_in;
pub mod templates;

pub use client::{behind_proxies, client_ip, forwarded_client};
pub use cookies::{cookie, over_tls, set_cookie};
pub use error::{failure_of, HttpError};
pub use form::{ChangeForm, Fields};
pub use headers::{secure_headers, STRICT_CSP};
pub use serve::serve;
pub use session::{NotSignedIn, Opened, SessionCsrf, Sessions, SignedIn};

use subtle::ConstantTimeEq;

/// Whether a form's token is the session's, in time independent of where
/// they differ.
pub fn same_token(sent: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abd", "abc"));
        assert!(!same_token("ab", "abc"));
        assert!(!same_token("", ""));
    }
}
