//! Reading the audit log: newest first, searchable, and for a domain
//! administrator only the entries about their domains.

use mismo_core::model::{AdminRole, Administrator, AuditEntry};
use serde::Serialize;

use crate::error::Failure;
use crate::state::AppState;

pub const PAGE_SIZE: i64 = 50;

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
    let mut entries = state
        .store
        .audit_page(domains, search.trim(), before, PAGE_SIZE + 1)
        .await?;
    let more = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    let next = if more {
        entries.last().map(|e| e.id.clone())
    } else {
        None
    };
    Ok(AuditPage { entries, next })
}
