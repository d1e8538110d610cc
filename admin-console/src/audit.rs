//! Reading the audit log: newest first, searchable, and for a domain
//! administrator only the entries about their domains.

use mismo_core::model::{AdminRole, Administrator, AuditEntry};
use serde::Serialize;

use crate::error::Failure;
use crate::paging;
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last.
    pub next: Option<String>,
}

pub async fn page(
    state: &AppState,
    admin: &Administrator,
    search: &str,
    before: Option<&str>,
) -> Result<AuditPage, Failure> {
    let domains = match admin.role {
        AdminRole::Global => None,
        AdminRole::Domain => Some(admin.domains.as_slice()),
    };
    let found = state
        .store
        .audit_page(domains, search.trim(), before, paging::FETCH)
        .await?;
    let (entries, next) = paging::split(found, |e| e.id.clone());
    Ok(AuditPage { entries, next })
}
