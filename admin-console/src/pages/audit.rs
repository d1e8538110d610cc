//! The audit log page.

use axum::extract::{Query, State};
use axum::response::Html;

use crate::audit::AuditQuery;
use crate::session::SignedIn;
use crate::state::AppState;
use mismo_core::web::HttpError;

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<AuditQuery>,
) -> Result<Html<String>, HttpError> {
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
