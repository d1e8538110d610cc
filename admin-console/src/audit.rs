//! Reading the audit log: newest first, searchable, and for a domain
//! administrator only the entries about their domains.

use mismo_core::model::{Administrator, AuditEntry};
use serde::{Deserialize, Serialize};

use crate::paging;
use crate::scope;
use crate::state::AppState;
use mismo_core::web::HttpError;

/// Which page: entries matching `q`, older than the entry `before`.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub q: String,
    pub before: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last.
    pub next: Option<String>,
}

pub async fn page(
    state: &AppState,
    admin: &Administrator,
    query: &AuditQuery,
) -> Result<AuditPage, HttpError> {
    let found = state
        .store
        .audit_page(
            scope::domains(admin),
            &admin.name,
            query.q.trim(),
            query.before.as_deref(),
            paging::FETCH,
        )
        .await?;
    let (entries, next) = paging::split(found, |e| e.id.clone());
    Ok(AuditPage { entries, next })
}
