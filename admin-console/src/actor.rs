//! Who makes a change, and the audit log entry each change leaves.

use std::net::IpAddr;

use mismo_core::model::{Administrator, AuditEntry};

use crate::state::AppState;

/// An administrator acting from a client address.
pub struct Actor {
    pub admin: Administrator,
    pub ip: IpAddr,
}

impl Actor {
    /// Writes the audit entry of a change that was made. The change stands
    /// even if the entry cannot be written; that is logged loudly.
    pub async fn record(
        &self,
        state: &AppState,
        action: &str,
        target: &str,
        domain: &str,
        detail: Option<String>,
    ) {
        let entry = AuditEntry {
            id: mismo_core::model::new_id(),
            at: mismo_core::model::now_ms(),
            admin: self.admin.name.clone(),
            ip: self.ip.to_string(),
            action: action.into(),
            target: target.into(),
            domain: domain.into(),
            detail,
        };
        tracing::info!(admin = %entry.admin, ip = %entry.ip, action, target, "change");
        if let Err(e) = state.store.insert_audit(&entry).await {
            tracing::error!(admin = %entry.admin, action, target, "audit entry not written: {e}");
        }
    }
}
