//! The domain operations of the console, for pages and API alike: each
//! checks what the administrator may do, then acts through
//! `mismo_core::admin`.

use mismo_core::admin::RecordCheck;
use mismo_core::model::{Activation, Administrator, Domain};
use serde::Serialize;

use crate::actor::Actor;
use crate::scope;
use crate::state::AppState;
use mismo_core::web::HttpError;

/// A domain as pages and the API show it.
#[derive(Debug, Serialize)]
pub struct DomainView {
    pub name: String,
    /// `enabled` or `disabled`.
    pub state: &'static str,
    /// `unverified`, `verified` or `failed`.
    pub verification: &'static str,
    /// What the last verification found.
    pub detail: Option<String>,
    /// The TXT record value that proves control of the domain.
    pub record: String,
    pub mailboxes: u64,
    pub created_at: i64,
}

impl DomainView {
    fn new(d: Domain, mailboxes: u64) -> Self {
        Self {
            record: d.verification_record(),
            state: d.state.as_str(),
            verification: d.verification.status.as_str(),
            detail: d.verification.detail,
            mailboxes,
            created_at: d.created_at,
            name: d.name,
        }
    }
}

/// One domain with what its mailboxes hold, summed in the store.
#[derive(Debug, Serialize)]
pub struct DomainDetail {
    #[serde(flatten)]
    pub domain: DomainView,
    pub aliases: u64,
    pub messages: i64,
    pub bytes: i64,
}

/// The records a domain should publish, each checked live.
#[derive(Debug, Serialize)]
pub struct DomainRecords {
    pub records: Vec<RecordCheck>,
    /// Every record as zone-file lines.
    pub zone: String,
}

/// One domain as shown, with its mailboxes counted.
async fn view(state: &AppState, d: Domain) -> Result<DomainView, HttpError> {
    let mailboxes = state.store.count_mailboxes(&d.name).await?;
    Ok(DomainView::new(d, mailboxes))
}

/// A state as sent by a form or the API, for domains and mailboxes.
pub fn activation(wanted: &str) -> Result<Activation, HttpError> {
    match wanted {
        "enabled" => Ok(Activation::Enabled),
        "disabled" => Ok(Activation::Disabled),
        other => Err(HttpError::Invalid(format!(
            "state must be 'enabled' or 'disabled', not {other:?}"
        ))),
    }
}

/// The domains this administrator manages, their mailboxes counted in one
/// aggregation for all of them.
pub async fn list(state: &AppState, admin: &Administrator) -> Result<Vec<DomainView>, HttpError> {
    let counts = state.store.mailbox_counts().await?;
    Ok(managed(state, admin)
        .await?
        .into_iter()
        .map(|d| {
            let n = counts.get(&d.name).copied().unwrap_or(0);
            DomainView::new(d, n)
        })
        .collect())
}

/// The domains this administrator manages, as stored (nothing counted).
pub async fn managed(state: &AppState, admin: &Administrator) -> Result<Vec<Domain>, HttpError> {
    let mut all = state.store.list_domains().await?;
    all.retain(|d| admin.manages(&d.name));
    Ok(all)
}

/// The domain's normalised name, if well-formed and this administrator's.
fn name(admin: &Administrator, raw: &str) -> Result<String, HttpError> {
    let name = mismo_core::model::address::normalize_domain(raw)?;
    scope::domain(admin, &name)?;
    Ok(name)
}

pub async fn get(
    state: &AppState,
    admin: &Administrator,
    raw: &str,
) -> Result<DomainDetail, HttpError> {
    let name = name(admin, raw)?;
    let domain = state.admin().domain(&name).await?;
    let aliases = state.store.count_aliases(&name).await?;
    let (mailboxes, usage) = state.store.domain_usage(&name).await?;
    Ok(DomainDetail {
        domain: DomainView::new(domain, mailboxes),
        aliases,
        messages: usage.messages,
        bytes: usage.bytes,
    })
}

/// The domain's MX, SPF, DKIM and DMARC records, looked up now through
/// DNS_RESOLVER.
pub async fn records(
    state: &AppState,
    admin: &Administrator,
    raw: &str,
) -> Result<DomainRecords, HttpError> {
    let name = name(admin, raw)?;
    let resolver = state.fresh_resolver()?;
    let (records, zone) = state
        .admin()
        .check_records(&name, &state.mx_host, &resolver)
        .await?;
    Ok(DomainRecords { records, zone })
}

pub async fn add(state: &AppState, actor: &Actor, raw: &str) -> Result<DomainView, HttpError> {
    scope::global(&actor.admin)?;
    let d = state.admin().add_domain(raw).await?;
    actor
        .record(state, "domain.add", &d.name, &d.name, None)
        .await;
    view(state, d).await
}

pub async fn set_state(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    wanted: &str,
) -> Result<DomainView, HttpError> {
    let name = name(&actor.admin, raw)?;
    let activation = activation(wanted)?;
    let d = state.admin().set_domain_state(&name, activation).await?;
    let action = match activation {
        Activation::Enabled => "domain.enable",
        Activation::Disabled => "domain.disable",
    };
    actor.record(state, action, &name, &name, None).await;
    view(state, d).await
}

/// Looks up the domain's TXT records through DNS_RESOLVER and records
/// whether the verification record is among them.
pub async fn verify(state: &AppState, actor: &Actor, raw: &str) -> Result<DomainView, HttpError> {
    let name = name(&actor.admin, raw)?;
    let resolver = state.fresh_resolver()?;
    let d = state.admin().verify_domain(&name, &resolver).await?;
    let outcome = d.verification.detail.clone();
    actor
        .record(state, "domain.verify", &name, &name, outcome)
        .await;
    view(state, d).await
}

pub async fn remove(state: &AppState, actor: &Actor, raw: &str) -> Result<(), HttpError> {
    let name = name(&actor.admin, raw)?;
    scope::global(&actor.admin)?;
    state.admin().remove_domain(&name).await?;
    actor
        .record(state, "domain.remove", &name, &name, None)
        .await;
    Ok(())
}
