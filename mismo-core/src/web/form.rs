//! Submitted forms: every field in order, repeated names kept (a message
//! list sends one `id` per ticked message), and the CSRF check that every
//! change goes through.

use axum::extract::{FromRequest, RawForm, Request};
use axum::response::{IntoResponse, Response};

use super::error::HttpError;
use super::session::{SessionCsrf, Sessions};

/// A form's fields, as `application/x-www-form-urlencoded` sends them.
/// Taken as an extractor it checks nothing: for the sign-in forms, which
/// come before there is a session (see `sign_in`).
#[derive(Debug, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// A form body (or query).
    pub fn parse(body: &[u8]) -> Fields {
        Fields(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`; a missing field is named in the error.
    pub fn get(&self, name: &str) -> Result<&str, HttpError> {
        self.opt(name)
            .ok_or_else(|| HttpError::BadRequest(format!("The form has no field '{name}'.")))
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

    /// Refuses a form that does not carry `csrf`, its session's token;
    /// `app` names the app in the refusal.
    pub fn check_csrf(&self, csrf: &str, app: &str) -> Result<(), HttpError> {
        match self.opt("csrf") {
            Some(sent) if super::same_token(sent, csrf) => Ok(()),
            _ => Err(HttpError::Forbidden(format!(
                "The form has expired or did not come from this {app}; reload the page and try again."
            ))),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let RawForm(body) = RawForm::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Fields::parse(&body))
    }
}

/// The form of a change, its CSRF token checked against the session's:
/// every handler that changes something takes its fields this way, after
/// [`super::SignedIn`], so the check cannot be left out.
pub struct ChangeForm(pub Fields);

impl<S: Sessions> FromRequest<S> for ChangeForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let csrf = request.extensions().get::<SessionCsrf>().cloned();
        let Fields(fields) = Fields::from_request(request, state).await?;
        let fields = Fields(fields);
        // Without a session there is no token to match: refused like a
        // form without one.
        let csrf = csrf.map(|SessionCsrf(c)| c).unwrap_or_default();
        fields
            .check_csrf(&csrf, S::APP)
            .map_err(IntoResponse::into_response)?;
        Ok(Self(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_kept_in_order() {
        let f = Fields::parse(b"csrf=abc&id=1&id=2&q=a+b%26c&empty=&bare");
        assert_eq!(f.all("id"), ["1", "2"]);
        assert_eq!(f.get("q").unwrap(), "a b&c");
        assert_eq!(f.get("empty").unwrap(), "");
        assert_eq!(f.get("bare").unwrap(), "");
        assert!(matches!(f.get("nope"), Err(HttpError::BadRequest(m)) if m.contains("nope")));
    }

    #[test]
    fn csrf_must_match() {
        let f = Fields::parse(b"csrf=abc");
        assert!(f.check_csrf("abc", "app").is_ok());
        assert!(f.check_csrf("abd", "app").is_err());
        assert!(Fields::parse(b"x=1").check_csrf("abc", "app").is_err());
        assert!(Fields::parse(b"csrf=").check_csrf("", "app").is_err());
        let refused = f.check_csrf("abd", "webmail").unwrap_err().message();
        assert!(refused.contains("did not come from this webmail; reload the page"));
    }
}
