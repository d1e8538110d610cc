//! Submitted forms: every field in order, repeated names kept (a message
//! list sends one `id` per ticked message), and the CSRF check that every
//! change goes through.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};

use crate::error::Failure;
use crate::session::SessionCsrf;
use crate::state::AppState;

/// A form's fields.
#[derive(Debug, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`; a missing field is named in the error.
    pub fn get(&self, name: &str) -> Result<&str, Failure> {
        self.opt(name)
            .ok_or_else(|| Failure::BadRequest(format!("The form has no field '{name}'.")))
    }

    pub fn opt(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Refuses a form that does not carry `csrf`, its session's token.
    pub fn check_csrf(&self, csrf: &str) -> Result<(), Failure> {
        match self.opt("csrf") {
            Some(sent) if mismo_core::web::same_token(sent, csrf) => Ok(()),
            _ => Err(Failure::Forbidden(
                "The form has expired or did not come from this webmail; reload the page and try again."
                    .into(),
            )),
        }
    }
}

/// The form of a change, its CSRF token checked against the session's:
/// every handler that changes something takes its fields this way, after
/// [`crate::session::SignedIn`], so the check cannot be left out.
pub struct ChangeForm(pub Fields);

impl FromRequest<AppState> for ChangeForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let csrf = request.extensions().get::<SessionCsrf>().cloned();
        let axum::extract::RawForm(body) = axum::extract::RawForm::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields = parse(&body);
        // Without a session there is no token to match: refused like a
        // form without one.
        let csrf = csrf.map(|SessionCsrf(c)| c).unwrap_or_default();
        fields
            .check_csrf(&csrf)
            .map_err(IntoResponse::into_response)?;
        Ok(Self(fields))
    }
}

/// An `application/x-www-form-urlencoded` body (or query).
pub fn parse(body: &[u8]) -> Fields {
    Fields(percent_decode_pairs(body).into_iter().collect())
}

fn percent_decode_pairs(body: &[u8]) -> Vec<(String, String)> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            (decode(k), decode(v))
        })
        .collect()
}

/// `+` is a space in forms; the rest is percent-decoding.
fn decode(part: &[u8]) -> String {
    let spaced: Vec<u8> = part
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_encoding::percent_decode(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_kept_in_order() {
        let f = parse(b"csrf=abc&id=1&id=2&q=a+b%26c&empty=&bare");
        assert_eq!(f.all("id"), ["1", "2"]);
        assert_eq!(f.get("q").unwrap(), "a b&c");
        assert_eq!(f.get("empty").unwrap(), "");
        assert_eq!(f.get("bare").unwrap(), "");
        assert!(matches!(f.get("nope"), Err(Failure::BadRequest(m)) if m.contains("nope")));
    }

    #[test]
    fn csrf_must_match() {
        let f = parse(b"csrf=abc");
        assert!(f.check_csrf("abc").is_ok());
        assert!(f.check_csrf("abd").is_err());
        assert!(parse(b"x=1").check_csrf("abc").is_err());
        assert!(parse(b"csrf=").check_csrf("").is_err());
    }
}
