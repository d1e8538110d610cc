//! The dashboard: counts of what this administrator manages; for a global
//! administrator, the queue by state too.

use axum::extract::State;
use axum::response::Html;

use crate::error::PageError;
use crate::session::SignedIn;
use crate::state::AppState;

pub async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<Html<String>, PageError> {
    let domains = crate::domains::list(&state, &signed.admin).await?;
    let enabled = domains.iter().filter(|d| d.state == "enabled").count();
    let mailboxes: u64 = domains.iter().map(|d| d.mailboxes).sum();
    // The queue mixes every domain's mail: only a global administrator sees it.
    let queue = match crate::scope::global(&signed.admin) {
        Ok(()) => Some(state.store.queue_counts().await?),
        Err(_) => None,
    };
    let page = minijinja::context! {
        title => "Dashboard",
        domains => domains.len(),
        enabled,
        mailboxes,
        queue,
    };
    Ok(super::show(&signed, "dashboard.html", "dashboard", page))
}
