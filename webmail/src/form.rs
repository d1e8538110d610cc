//! Submitted forms: every field in order, repeated names kept (a message
//! list sends one `id` per ticked message), and the CSRF check that every
//! change goes through.

use axum::extract::{FromRequest, Multipart, Request};
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
    Fields(form_urlencoded::parse(body).into_owned().collect())
}

/// A file sent with a multipart form.
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    /// The name it had on the sender's disk (may be empty).
    pub name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// Reads a multipart form: its text fields, and its files (a file input
/// left empty, which still sends a part without name or bytes, is left
/// out). Its CSRF token is checked by the caller, once it has the fields.
pub async fn multipart(mut form: Multipart) -> Result<(Fields, Vec<Upload>), Failure> {
    let unreadable = |_| Failure::BadRequest("The form could not be read; try again.".into());
    let mut fields = Vec::new();
    let mut uploads = Vec::new();
    while let Some(part) = form.next_field().await.map_err(unreadable)? {
        let field = part.name().unwrap_or("").to_string();
        if let Some(name) = part.file_name().map(str::to_string) {
            let media_type = part
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_ascii_lowercase();
            let bytes = part.bytes().await.map_err(unreadable)?.to_vec();
            if !name.is_empty() || !bytes.is_empty() {
                uploads.push(Upload {
                    field,
                    name,
                    media_type,
                    bytes,
                });
            }
        } else {
            fields.push((field, part.text().await.map_err(unreadable)?));
        }
    }
    Ok((Fields(fields), uploads))
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
