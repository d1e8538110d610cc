//! Mailbox pages: the list with search and paging, one mailbox with its
//! usage, and the forms that change them. A generated password is shown
//! once, on the page that answers the form, never in a URL.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::mailboxes;
use crate::paging::ListQuery;
use crate::session::SignedIn;
use crate::state::AppState;
use mismo_core::web::HttpError;
use mismo_core::web::{ChangeForm, Fields};

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, HttpError> {
    let page = mailboxes::page(&state, &signed.admin, &query).await?;
    let list = super::list_context(&state, &signed, &query, page.next).await?;
    let context = minijinja::context! {
        title => "Mailboxes",
        mailboxes => page.mailboxes,
        ..list
    };
    Ok(super::show(&signed, "mailboxes.html", "mailboxes", context))
}

/// One mailbox's page, with a notice (a generated password, say).
async fn detail(
    state: &AppState,
    signed: &SignedIn,
    address: &str,
    notice: Option<String>,
) -> Result<Html<String>, HttpError> {
    let mailbox = mailboxes::get(state, &signed.admin, address).await?;
    let context = minijinja::context! {
        title => mailbox.mailbox.address.clone(),
        mailbox,
        notice,
    };
    Ok(super::show(signed, "mailbox.html", "mailboxes", context))
}

pub async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(address): Path<String>,
) -> Result<Html<String>, HttpError> {
    detail(&state, &signed, &address, None).await
}

/// The password field, or `None` to generate one.
fn given_password(fields: &Fields) -> Option<&str> {
    fields.opt("password").filter(|p| !p.is_empty())
}

fn generated_notice(password: Option<String>) -> Option<String> {
    password.map(|p| format!("Generated password, shown only now: {p}"))
}

pub async fn add(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Response, HttpError> {
    let quota = mailboxes::quota(fields.opt("quota").unwrap_or(""))?;
    let (mailbox, generated) = mailboxes::add(
        &state,
        &signed.actor(),
        fields.get("address")?,
        given_password(&fields),
        quota,
    )
    .await?;
    let notice =
        generated_notice(generated).or(Some(format!("Mailbox {} added.", mailbox.address)));
    Ok(detail(&state, &signed, &mailbox.address, notice)
        .await?
        .into_response())
}

pub async fn set_state(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(address): Path<String>,
    ChangeForm(fields): ChangeForm,
) -> Result<Redirect, HttpError> {
    let mailbox =
        mailboxes::set_state(&state, &signed.actor(), &address, fields.get("state")?).await?;
    Ok(super::to_item("/mailboxes", &mailbox.address))
}

pub async fn set_password(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(address): Path<String>,
    ChangeForm(fields): ChangeForm,
) -> Result<Html<String>, HttpError> {
    let generated =
        mailboxes::set_password(&state, &signed.actor(), &address, given_password(&fields)).await?;
    let notice = generated_notice(generated).unwrap_or_else(|| "Password changed.".into());
    detail(&state, &signed, &address, Some(notice)).await
}

pub async fn set_details(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(address): Path<String>,
    ChangeForm(fields): ChangeForm,
) -> Result<Redirect, HttpError> {
    let quota = mailboxes::quota(fields.get("quota")?)?;
    let name = fields.get("display_name")?;
    let mailbox = mailboxes::set_details(&state, &signed.actor(), &address, quota, name).await?;
    Ok(super::to_item("/mailboxes", &mailbox.address))
}

/// Answered with a redirect, so reloading the page does not make yet
/// another key.
pub async fn regenerate_key(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(address): Path<String>,
    _checked: ChangeForm,
) -> Result<Redirect, HttpError> {
    mailboxes::regenerate_key(&state, &signed.actor(), &address).await?;
    Ok(super::to_item("/mailboxes", &address))
}

/// The public key as an `.asc` download, never shown inline.
pub async fn public_key(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(address): Path<String>,
) -> Result<Response, HttpError> {
    let key = mailboxes::public_key(&state, &signed.admin, &address).await?;
    // The address was checked and normalised: letters, digits and . _ - + @.
    let file: String = address
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-+@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pgp-keys".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.asc\""),
            ),
        ],
        key.armored,
    )
        .into_response())
}
