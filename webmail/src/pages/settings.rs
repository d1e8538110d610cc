//! The profile: display name and signature, the addresses one may send
//! as, a picture, the password, the OpenPGP public key, and the vacation
//! auto-reply.

use axum::extract::{Multipart, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use mismo_core::admin::Admin;
use mismo_core::auth::{self, Login};
use mismo_core::model::Vacation;
use serde::Deserialize;

use super::compose::identities;
use super::{back_to, layout, notice, with_notice};
use crate::form;
use crate::session::SignedIn;
use crate::state::AppState;
use crate::templates::render;
use mismo_core::web::ChangeForm;
use mismo_core::web::HttpError;

/// The largest picture taken.
pub const MAX_PICTURE: usize = 5 * 1024 * 1024;
/// Longest signature kept.
const MAX_SIGNATURE: usize = 4_000;

#[derive(Debug, Deserialize)]
pub struct SettingsQuery {
    done: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<SettingsQuery>,
) -> Result<Html<String>, HttpError> {
    let profile = state.store.get_profile(signed.address()).await?;
    let vacation = profile.vacation.clone().unwrap_or(Vacation {
        enabled: 0,
        start: None,
        end: None,
        subject: "Out of office".into(),
        body: String::new(),
        interval_days: 7,
    });
    Ok(Html(render(
        "settings.html",
        minijinja::context! {
            ..layout(&state, &signed, "settings").await?,
            ..minijinja::context! {
                title => "Settings",
                signature => profile.signature,
                identities => identities(&state, &signed).await?,
                has_pgp => signed.mailbox.pgp_public_key.is_some(),
                vacation,
                notice => notice(query.done.as_deref()),
            }
        },
    )))
}

/// Display name and signature.
pub async fn profile(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Response, HttpError> {
    let name = fields.get("display_name")?;
    let signature = fields.get("signature")?.replace("\r\n", "\n");
    if signature.chars().count() > MAX_SIGNATURE {
        return Err(HttpError::Invalid(format!(
            "The signature is longer than {MAX_SIGNATURE} characters."
        )));
    }
    Admin::new(&state.store)
        .set_mailbox_details(signed.address(), signed.mailbox.quota_bytes, name)
        .await?;
    state
        .store
        .set_signature(signed.address(), &signature)
        .await?;
    Ok(back_to(Some(&with_notice("/settings", "profile"))))
}

/// The media type of a picture, from its first bytes (what was declared
/// does not count): PNG, JPEG, GIF or WebP, never SVG or anything else.
pub fn picture_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Sets (field `picture`, a file) or removes (`remove=1`) the picture.
pub async fn picture(
    State(state): State<AppState>,
    signed: SignedIn,
    multipart: Multipart,
) -> Result<Response, HttpError> {
    let (fields, uploads) = form::multipart(multipart, signed.csrf()).await?;
    if fields.opt("remove") == Some("1") {
        state.store.set_picture(signed.address(), None).await?;
        return Ok(back_to(Some(&with_notice("/settings", "nopicture"))));
    }
    let bytes = uploads
        .into_iter()
        .find(|u| u.field == "picture" && !u.bytes.is_empty())
        .map(|u| u.bytes)
        .ok_or_else(|| HttpError::Invalid("Choose a picture first.".into()))?;
    if bytes.len() > MAX_PICTURE {
        return Err(HttpError::TooLarge(
            "The picture is larger than 5 MB.".into(),
        ));
    }
    let media_type = picture_type(&bytes).ok_or_else(|| {
        HttpError::Invalid("That file is not a PNG, JPEG, GIF or WebP picture.".into())
    })?;
    state
        .store
        .set_picture(signed.address(), Some((media_type, &bytes)))
        .await?;
    Ok(back_to(Some(&with_notice("/settings", "picture"))))
}

/// The user's own picture.
pub async fn picture_file(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<Response, HttpError> {
    let (media_type, bytes) = state
        .store
        .get_picture(signed.address())
        .await?
        .ok_or_else(|| HttpError::NotFound("You have no picture.".into()))?;
    // Stored only after its bytes were checked; checked again, so a type
    // that could carry script is never served as an image.
    let media_type = picture_type(&bytes)
        .filter(|t| *t == media_type)
        .unwrap_or("application/octet-stream");
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}

/// A new password, given the current one (checked within the per-address
/// budget of failed logins, like a sign-in). The other sessions end.
pub async fn password(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Response, HttpError> {
    let current = fields.get("current")?;
    let new = fields.get("new")?;
    if new != fields.get("confirm")? {
        return Err(HttpError::Invalid(
            "The new password and its confirmation differ.".into(),
        ));
    }
    match auth::login(&state.store, signed.ip, signed.address(), current).await? {
        Login::Opened(_) => {}
        Login::Refused { .. } => {
            return Err(HttpError::Forbidden(
                "The current password is wrong.".into(),
            ))
        }
        Login::Blocked => return Err(HttpError::TooMany),
        Login::Busy => return Err(HttpError::Unavailable),
    }
    Admin::new(&state.store)
        .set_password_keeping(signed.address(), new, Some(&signed.session.token_hash))
        .await?;
    Ok(back_to(Some(&with_notice("/settings", "password"))))
}

/// The mailbox's OpenPGP public key, as an `.asc` file.
pub async fn pgp_key(signed: SignedIn) -> Result<Response, HttpError> {
    let key = signed
        .mailbox
        .pgp_public_key
        .clone()
        .ok_or_else(|| HttpError::NotFound("This mailbox has no OpenPGP key.".into()))?;
    let name = format!("{}.asc", signed.address());
    let mut response = key.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pgp-keys"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&super::message::content_disposition(&name))
            .map_err(|_| HttpError::Unavailable)?,
    );
    Ok(response)
}

/// A date typed in the form, `YYYY-MM-DD`, or none when empty.
fn date(value: &str, what: &str) -> Result<Option<String>, HttpError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let b = v.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let month: u32 = v.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(0);
    let day: u32 = v.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(0);
    if !shaped || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(HttpError::Invalid(format!(
            "The {what} date must look like 2026-07-31."
        )));
    }
    Ok(Some(v.to_string()))
}

pub async fn vacation(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Response, HttpError> {
    let start = date(fields.opt("start").unwrap_or(""), "first")?;
    let end = date(fields.opt("end").unwrap_or(""), "last")?;
    if let (Some(s), Some(e)) = (&start, &end) {
        if e < s {
            return Err(HttpError::Invalid(
                "The last day comes before the first.".into(),
            ));
        }
    }
    let interval_days: i32 = fields
        .get("interval_days")?
        .trim()
        .parse()
        .ok()
        .filter(|d| (1..=365).contains(d))
        .ok_or_else(|| HttpError::Invalid("Reply at most once per 1 to 365 days.".into()))?;
    let subject = fields.get("subject")?.trim().to_string();
    let body = fields.get("body")?.replace("\r\n", "\n");
    if subject.chars().any(char::is_control) || subject.chars().count() > 200 {
        return Err(HttpError::Invalid(
            "The subject must be one line of at most 200 characters.".into(),
        ));
    }
    if body.chars().count() > 10_000 {
        return Err(HttpError::Invalid(
            "The reply is longer than 10,000 characters.".into(),
        ));
    }
    let enabled = i32::from(fields.opt("enabled") == Some("1"));
    if enabled == 1 && body.trim().is_empty() {
        return Err(HttpError::Invalid(
            "Write the reply before turning it on.".into(),
        ));
    }
    let v = Vacation {
        enabled,
        start,
        end,
        subject,
        body,
        interval_days,
    };
    state.store.set_vacation(signed.address(), &v).await?;
    Ok(back_to(Some(&with_notice("/settings", "vacation"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_known_by_their_bytes() {
        assert_eq!(picture_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(picture_type(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(picture_type(b"GIF89a..."), Some("image/gif"));
        assert_eq!(picture_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            picture_type(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/>"),
            None
        );
        assert_eq!(picture_type(b"<html>"), None);
    }

    #[test]
    fn vacation_dates_are_checked() {
        assert_eq!(
            date("2026-07-01", "first").unwrap().as_deref(),
            Some("2026-07-01")
        );
        assert_eq!(date(" ", "first").unwrap(), None);
        for bad in ["2026-13-01", "2026-7-1", "tomorrow", "2026-07-32"] {
            assert!(date(bad, "first").is_err(), "{bad}");
        }
    }
}
