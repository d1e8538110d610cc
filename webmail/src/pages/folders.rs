//! Managing folders: create, rename, delete, and emptying Trash or Junk.
//! INBOX and the special-use folders keep their names and stay.

use axum::extract::{Query, State};
use axum::response::{Html, Response};
use mismo_core::model::{Folder, SEPARATOR};
use mismo_core::StoreError;
use serde::Deserialize;

use super::{back_to, folder, layout, notice, with_notice};
use crate::session::SignedIn;
use crate::state::AppState;
use crate::templates::render;
use mismo_core::web::ChangeForm;
use mismo_core::web::HttpError;

#[derive(Debug, Deserialize)]
pub struct FoldersQuery {
    done: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<FoldersQuery>,
) -> Result<Html<String>, HttpError> {
    Ok(Html(render(
        "folders.html",
        minijinja::context! {
            ..layout(&state, &signed, "folders").await?,
            ..minijinja::context! { title => "Folders", notice => notice(query.done.as_deref()) }
        },
    )))
}

/// A name typed by the user, checked as IMAP would (no empty levels, no
/// wildcards or controls).
fn new_name(raw: &str) -> Result<String, HttpError> {
    let name = Folder::normalise(raw.trim());
    Folder::check_name(&name).map_err(|e| HttpError::Invalid(format!("{e}.")))?;
    Ok(name)
}

/// INBOX and the special-use folders are not renamed or deleted here.
fn fixed(f: &Folder) -> bool {
    Folder::is_inbox(&f.name) || f.special_use.is_some()
}

pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Response, HttpError> {
    let name = new_name(fields.get("name")?)?;
    match state.store.create_folder(signed.address(), &name).await {
        Ok(_) => Ok(back_to(Some(&with_notice("/folders", "created")))),
        Err(StoreError::Duplicate(_)) => Err(HttpError::Invalid(format!(
            "A folder named {name:?} exists already."
        ))),
        Err(e) => Err(e.into()),
    }
}

pub async fn rename(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Response, HttpError> {
    let current = folder(&state, &signed, fields.get("from")?).await?;
    if fixed(&current) {
        return Err(HttpError::Invalid(format!(
            "{} keeps its name.",
            current.name
        )));
    }
    let to = new_name(fields.get("to")?)?;
    if to == current.name || to.starts_with(&format!("{}{SEPARATOR}", current.name)) {
        return Err(HttpError::Invalid(
            "A folder cannot move into itself.".into(),
        ));
    }
    match state
        .store
        .rename_folder(signed.address(), &current.name, &to)
        .await
    {
        Ok(true) => Ok(back_to(Some(&with_notice("/folders", "renamed")))),
        Ok(false) => Err(HttpError::NotFound("That folder is gone.".into())),
        Err(StoreError::Duplicate(_)) => Err(HttpError::Invalid(format!(
            "A folder named {to:?} exists already."
        ))),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Response, HttpError> {
    let current = folder(&state, &signed, fields.get("name")?).await?;
    if fixed(&current) {
        return Err(HttpError::Invalid(format!(
            "{} cannot be deleted.",
            current.name
        )));
    }
    let prefix = format!("{}{SEPARATOR}", current.name);
    let folders = state.store.list_folders(signed.address()).await?;
    if folders.iter().any(|f| f.name.starts_with(&prefix)) {
        return Err(HttpError::Invalid(format!(
            "{} has folders inside it; delete or move those first.",
            current.name
        )));
    }
    state
        .store
        .delete_folder(signed.address(), &current)
        .await?;
    Ok(back_to(Some(&with_notice("/folders", "removed"))))
}

/// Deletes every message of Trash or Junk for good.
pub async fn empty(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Response, HttpError> {
    let current = folder(&state, &signed, fields.get("folder")?).await?;
    if !matches!(
        current.special_use.as_deref(),
        Some("\\Trash") | Some("\\Junk")
    ) {
        return Err(HttpError::Invalid(
            "Only Trash and Junk can be emptied.".into(),
        ));
    }
    let entries = state
        .store
        .list_folder(signed.address(), &current.id)
        .await?;
    let ids: Vec<String> = entries.into_iter().map(|e| e.id).collect();
    if !ids.is_empty() {
        state.store.delete_entries(signed.address(), &ids).await?;
    }
    let list = format!("/mail?folder={}", super::enc(&current.name));
    Ok(back_to(Some(&with_notice(&list, "emptied"))))
}
