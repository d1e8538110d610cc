//! Queue pages: the filtered list, one message, retry and delete.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};

use crate::queue::{self, Filter};
use crate::session::SignedIn;
use crate::state::AppState;
use mismo_core::web::ChangeForm;
use mismo_core::web::HttpError;

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(filter): Query<Filter>,
) -> Result<Html<String>, HttpError> {
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
) -> Result<Html<String>, HttpError> {
    let message = queue::detail(&state, &signed.actor(), &id).await?;
    let context = minijinja::context! { title => format!("Message {id}"), message };
    Ok(super::show(&signed, "queued.html", "queue", context))
}

pub async fn retry(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    _checked: ChangeForm,
) -> Result<Redirect, HttpError> {
    queue::retry(&state, &signed.actor(), &id).await?;
    Ok(super::to_item("/queue", &id))
}

pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    ChangeForm(fields): ChangeForm,
) -> Result<Redirect, HttpError> {
    super::confirmed(&fields, "deletion")?;
    queue::delete(&state, &signed.actor(), &id).await?;
    Ok(Redirect::to("/queue"))
}
