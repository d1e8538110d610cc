//! The audit log page.

use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

use crate::error::PageError;
use crate::session::SignedIn;
use crate::state::AppState;
use crate::templates::render;

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    q: String,
    before: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    let page = crate::audit::page(&state, &signed.admin, &query.q, query.before.as_deref()).await?;
    let entries: Vec<_> = page
        .entries
        .iter()
        .map(|e| {
            minijinja::context! {
                at => mismo_core::display::time(e.at),
                admin => e.admin, ip => e.ip, action => e.action,
                target => e.target, detail => e.detail,
            }
        })
        .collect();
    let context = minijinja::context! {
        title => "Audit log",
        entries,
        next => page.next,
        q => query.q,
        paged => query.before.is_some(),
    };
    Ok(Html(render(
        "audit.html",
        super::context(&signed, "audit", context),
    )))
}
