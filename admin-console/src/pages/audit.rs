//! The audit log page.

use axum::extract::{Query, State};
use axum::response::Html;

use crate::audit::AuditQuery;
use crate::error::PageError;
use crate::session::SignedIn;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    let page = crate::audit::page(&state, &signed.admin, &query).await?;
    let context = minijinja::context! {
        title => "Audit log",
        entries => page.entries,
        next => page.next,
        q => query.q,
        paged => query.before.is_some(),
    };
    Ok(super::show(&signed, "audit.html", "audit", context))
}
