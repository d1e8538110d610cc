//! The mailbox operations of the console, for pages and API alike: each
//! checks the mailbox's domain against the administrator, then acts through
//! `mismo_core::admin`.

use mismo_core::model::address::Address;
use mismo_core::model::{Activation, Administrator, Mailbox};
use serde::Serialize;

use crate::actor::Actor;
use crate::paging::{self, ListQuery};
use crate::scope;
use crate::state::AppState;
use mismo_core::web::HttpError;

/// A mailbox as pages and the API show it.
#[derive(Debug, Serialize)]
pub struct MailboxView {
    pub address: String,
    pub domain: String,
    /// `enabled` or `disabled`.
    pub state: &'static str,
    pub display_name: Option<String>,
    /// Bytes; 0 means no limit.
    pub quota_bytes: i64,
    pub has_pgp_key: bool,
    pub created_at: i64,
}

impl From<Mailbox> for MailboxView {
    fn from(m: Mailbox) -> Self {
        Self {
            state: m.state.as_str(),
            has_pgp_key: m.pgp_public_key.is_some(),
            address: m.address,
            domain: m.domain,
            display_name: m.display_name,
            quota_bytes: m.quota_bytes,
            created_at: m.created_at,
        }
    }
}

/// One mailbox with what it holds (summed in the store).
#[derive(Debug, Serialize)]
pub struct MailboxDetail {
    #[serde(flatten)]
    pub mailbox: MailboxView,
    pub messages: i64,
    pub bytes: i64,
    /// The OpenPGP key's fingerprint, once one was made.
    pub pgp_fingerprint: Option<String>,
}

/// A mailbox in the list, with what it holds.
#[derive(Debug, Serialize)]
pub struct MailboxRow {
    #[serde(flatten)]
    pub mailbox: MailboxView,
    pub messages: i64,
    pub bytes: i64,
}

/// A page of the list and where the next one starts.
#[derive(Debug, Serialize)]
pub struct MailboxPage {
    pub mailboxes: Vec<MailboxRow>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
}

/// A page of the mailboxes this administrator manages.
pub async fn page(
    state: &AppState,
    admin: &Administrator,
    query: &ListQuery,
) -> Result<MailboxPage, HttpError> {
    let prefix = query.q.trim().to_lowercase();
    let found = state
        .store
        .mailbox_page(&query.page(admin, &prefix, "address")?)
        .await?;
    let (found, next) = paging::split(found, |m| m.address.clone());
    let addresses: Vec<String> = found.iter().map(|m| m.address.clone()).collect();
    let mut usage = state.store.usage_by_mailbox(&addresses).await?;
    let mailboxes = found
        .into_iter()
        .map(|m| {
            let used = usage.remove(&m.address).unwrap_or_default();
            MailboxRow {
                mailbox: m.into(),
                messages: used.messages,
                bytes: used.bytes,
            }
        })
        .collect();
    Ok(MailboxPage { mailboxes, next })
}

/// The mailbox's address, if well-formed and in this administrator's
/// domains (else the same 404 as for no such mailbox).
fn address(admin: &Administrator, raw: &str) -> Result<Address, HttpError> {
    let address = Address::parse(raw)?;
    if scope::domain(admin, address.domain()).is_err() {
        return Err(HttpError::NotFound(format!("no mailbox {address}")));
    }
    Ok(address)
}

/// The password to set: the one given, or a fresh one, which is also
/// returned to be shown once.
fn chosen(password: Option<&str>) -> (String, Option<String>) {
    match password {
        Some(p) => (p.to_string(), None),
        None => {
            let fresh = mismo_core::password::generate();
            (fresh.clone(), Some(fresh))
        }
    }
}

pub async fn get(
    state: &AppState,
    admin: &Administrator,
    raw: &str,
) -> Result<MailboxDetail, HttpError> {
    let address = address(admin, raw)?.to_string();
    let (mailbox, usage) = state.admin().mailbox_usage(&address).await?;
    let key = state.store.get_pgp_key(&address).await?;
    Ok(MailboxDetail {
        mailbox: mailbox.into(),
        messages: usage.messages,
        bytes: usage.bytes,
        pgp_fingerprint: key.map(|k| k.fingerprint),
    })
}

/// A quota as typed: bytes, or with K, M or G; empty or 0 for none.
pub fn quota(text: &str) -> Result<i64, HttpError> {
    let text = text.trim();
    if text.is_empty() || text == "0" {
        return Ok(0);
    }
    mismo_core::config::values::byte_size(text)
        .ok()
        .and_then(|n| i64::try_from(n).ok())
        .ok_or_else(|| {
            HttpError::Invalid(format!(
                "quota {text:?}: expected a number of bytes, optionally with K, M or G"
            ))
        })
}

/// Adds a mailbox; returns it and the password, generated when none was
/// given (it is shown once).
pub async fn add(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    password: Option<&str>,
    quota_bytes: i64,
) -> Result<(MailboxView, Option<String>), HttpError> {
    let address = Address::parse(raw)?;
    scope::domain(&actor.admin, address.domain()).map_err(|_| {
        HttpError::NotFound(format!("domain {} is not hosted here", address.domain()))
    })?;
    let (password, generated) = chosen(password);
    let mailbox = state
        .admin()
        .add_mailbox(&address.to_string(), &password, quota_bytes)
        .await?;
    let detail = format!("quota {quota_bytes}");
    actor
        .record(
            state,
            "mailbox.add",
            &mailbox.address,
            &mailbox.domain,
            Some(detail),
        )
        .await;
    Ok((mailbox.into(), generated))
}

pub async fn set_state(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    wanted: &str,
) -> Result<MailboxView, HttpError> {
    let address = address(&actor.admin, raw)?.to_string();
    let activation = crate::domains::activation(wanted)?;
    let mailbox = state
        .admin()
        .set_mailbox_state(&address, activation)
        .await?;
    let action = match activation {
        Activation::Enabled => "mailbox.enable",
        Activation::Disabled => "mailbox.disable",
    };
    actor
        .record(state, action, &address, &mailbox.domain, None)
        .await;
    Ok(mailbox.into())
}

/// A mailbox's OpenPGP public key: fingerprint and ASCII armour.
#[derive(Debug, Serialize)]
pub struct PublicKey {
    pub fingerprint: String,
    pub armored: String,
}

/// Replaces the mailbox's OpenPGP key with a fresh one.
pub async fn regenerate_key(
    state: &AppState,
    actor: &Actor,
    raw: &str,
) -> Result<PublicKey, HttpError> {
    let address = address(&actor.admin, raw)?;
    let key = state.admin().regenerate_pgp(&address.to_string()).await?;
    actor
        .record(
            state,
            "mailbox.pgp",
            &key.address,
            address.domain(),
            Some(key.fingerprint.clone()),
        )
        .await;
    Ok(PublicKey {
        fingerprint: key.fingerprint,
        armored: key.public_key,
    })
}

/// The mailbox's public key, if it has one.
pub async fn public_key(
    state: &AppState,
    admin: &Administrator,
    raw: &str,
) -> Result<PublicKey, HttpError> {
    let address = address(admin, raw)?.to_string();
    let key = state
        .store
        .get_pgp_key(&address)
        .await?
        .ok_or_else(|| HttpError::NotFound(format!("{address} has no OpenPGP key yet")))?;
    Ok(PublicKey {
        fingerprint: key.fingerprint,
        armored: key.public_key,
    })
}

/// Sets a new password: the one given, or a generated one, returned.
pub async fn set_password(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    password: Option<&str>,
) -> Result<Option<String>, HttpError> {
    let address = address(&actor.admin, raw)?;
    let (password, generated) = chosen(password);
    state
        .admin()
        .set_password(&address.to_string(), &password)
        .await?;
    let domain = address.domain();
    let how = if generated.is_some() {
        "generated"
    } else {
        "given"
    };
    actor
        .record(
            state,
            "mailbox.password",
            &address.to_string(),
            domain,
            Some(how.into()),
        )
        .await;
    Ok(generated)
}

pub async fn set_details(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    quota_bytes: i64,
    display_name: &str,
) -> Result<MailboxView, HttpError> {
    let address = address(&actor.admin, raw)?.to_string();
    let mailbox = state
        .admin()
        .set_mailbox_details(&address, quota_bytes, display_name)
        .await?;
    let detail = format!("quota {quota_bytes}, display name {display_name:?}");
    actor
        .record(
            state,
            "mailbox.details",
            &address,
            &mailbox.domain,
            Some(detail),
        )
        .await;
    Ok(mailbox.into())
}
