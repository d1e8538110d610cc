//! Queue pages: the filtered list, one message, retry and delete.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};

use crate::error::PageError;
use crate::queue::{self, Filter};
use crate::session::{ChangeForm, SignedIn};
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(filter): Query<Filter>,
) -> Result<Html<String>, PageError> {
    let page = queue::page(&state, &signed.actor(), &filter).await?;
    let context = minijinja::context! {
        title => "Queue",
        messages => page.messages,
        next => page.next,
        state => filter.state,
        domain => filter.domain,
        address => filter.address,
        paged => filter.after.is_some(),
        states => ["ENQUEUED", "DELIVERING", "DELIVERED", "FAILED"],
    };
    Ok(super::show(&signed, "queue.html", "queue", context))
}

pub async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let message = queue::detail(&state, &signed.actor(), &id).await?;
    let context = minijinja::context! { title => format!("Message {id}"), message };
    Ok(super::show(&signed, "queued.html", "queue", context))
}

pub async fn retry(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    _checked: ChangeForm,
) -> Result<Redirect, PageError> {
    queue::retry(&state, &signed.actor(), &id).await?;
    Ok(super::to_item("/queue", &id))
}

pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    ChangeForm(fields): ChangeForm,
) -> Result<Redirect, PageError> {
    super::confirmed(&fields, "deletion")?;
    queue::delete(&state, &signed.actor(), &id).await?;
    Ok(Redirect::to("/queue"))
}
