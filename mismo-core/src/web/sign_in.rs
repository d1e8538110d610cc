//! The sign-in form's protection and the session cookie it leads to.
//!
//! Before there is a session there is no session token to put in a form,
//! so the form carries a fresh random token that must come back matching
//! a cookie of its own (double submit): another site cannot read the
//! cookie, so it cannot fill the form in.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::{cookie, over_tls, same_token, set_cookie};

/// How long a sign-in form stays good, in seconds.
const FORM_LIFETIME: i64 = 3600;

/// The sign-in page `page` renders with the fresh token it is given, with
/// the cookie the token must match.
pub fn form(
    headers: &HeaderMap,
    form_cookie: &str,
    status: StatusCode,
    page: impl FnOnce(&str) -> String,
) -> Response {
    let token = crate::admin::new_token();
    let body = page(&token);
    let value = set_cookie(form_cookie, &token, FORM_LIFETIME, over_tls(headers));
    (status, [(header::SET_COOKIE, value)], Html(body)).into_response()
}

/// Whether the form came back with the token of its cookie.
pub fn form_is_genuine(headers: &HeaderMap, form_cookie: &str, sent: &str) -> bool {
    same_token(sent, &cookie(headers, form_cookie).unwrap_or_default())
}

/// A redirect to `next` that sets the session cookie (`lifetime` seconds)
/// and drops the sign-in form's.
pub fn signed_in(
    headers: &HeaderMap,
    session_cookie: &str,
    form_cookie: &str,
    token: &str,
    lifetime: i64,
    next: &str,
) -> Response {
    let secure = over_tls(headers);
    let mut response = Redirect::to(next).into_response();
    let h = response.headers_mut();
    for value in [
        set_cookie(session_cookie, token, lifetime, secure),
        set_cookie(form_cookie, "", 0, secure),
    ] {
        h.append(header::SET_COOKIE, value.parse().expect("cookie header"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_token_must_match_its_cookie() {
        let answer = form(&HeaderMap::new(), "f", StatusCode::OK, |t| {
            format!("<input value={t}>")
        });
        let set = answer.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_string();
        let token = set
            .trim_start_matches("f=")
            .split(';')
            .next()
            .unwrap()
            .to_string();
        assert_eq!(token.len(), 64);
        let mut back = HeaderMap::new();
        back.insert(header::COOKIE, format!("f={token}").parse().unwrap());
        assert!(form_is_genuine(&back, "f", &token));
        assert!(!form_is_genuine(&back, "f", "other"));
        assert!(!form_is_genuine(&HeaderMap::new(), "f", ""));
        let done = signed_in(&HeaderMap::new(), "s", "f", "tok", 60, "/");
        let cookies: Vec<_> = done.headers().get_all(header::SET_COOKIE).iter().collect();
        assert!(cookies[0].to_str().unwrap().starts_with("s=tok;"));
        assert!(cookies[1].to_str().unwrap().contains("Max-Age=0"));
    }
}
