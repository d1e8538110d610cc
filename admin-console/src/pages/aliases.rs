//! Alias pages: the list with search and paging, one alias with its
//! targets, and the forms that change them.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};

use crate::aliases;
use crate::paging::ListQuery;
use crate::session::SignedIn;
use crate::state::AppState;
use mismo_core::web::ChangeForm;
use mismo_core::web::HttpError;

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, HttpError> {
    let page = aliases::page(&state, &signed.admin, &query).await?;
    let list = super::list_context(&state, &signed, &query, page.next).await?;
    let context = minijinja::context! {
        title => "Aliases",
        aliases => page.aliases,
        ..list
    };
    Ok(super::show(&signed, "aliases.html", "aliases", context))
}

pub async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(source): Path<String>,
) -> Result<Html<String>, HttpError> {
    let alias = aliases::get(&state, &signed.admin, &source).await?;
    let page = minijinja::context! { title => alias.source.clone(), alias };
    Ok(super::show(&signed, "alias.html", "aliases", page))
}

/// Adds an alias, or targets to one (from its own page).
pub async fn add(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Redirect, HttpError> {
    let targets = aliases::targets(fields.get("targets")?);
    let alias = aliases::add(&state, &signed.actor(), fields.get("source")?, &targets).await?;
    Ok(super::to_item("/aliases", &alias.source))
}

pub async fn remove_target(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(source): Path<String>,
    ChangeForm(fields): ChangeForm,
) -> Result<Redirect, HttpError> {
    let target = fields.get("target")?;
    match aliases::remove_target(&state, &signed.actor(), &source, target).await? {
        Some(alias) => Ok(super::to_item("/aliases", &alias.source)),
        None => Ok(Redirect::to("/aliases")),
    }
}

pub async fn remove(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(source): Path<String>,
    ChangeForm(fields): ChangeForm,
) -> Result<Redirect, HttpError> {
    super::confirmed(&fields, "removal")?;
    aliases::remove(&state, &signed.actor(), &source).await?;
    Ok(Redirect::to("/aliases"))
}
