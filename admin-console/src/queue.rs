//! The queue, for global administrators (it mixes every domain's mail):
//! filtered pages, one message in detail, retry now and delete.

use mismo_core::model::address::{normalize_domain, Address};
use mismo_core::model::{QueueState, QueuedMessage, RecipientStatus};
use serde::Serialize;

use crate::actor::Actor;
use crate::paging;
use crate::scope;
use crate::state::AppState;
use mismo_core::web::HttpError;

/// What a queue listing may be narrowed to, as typed.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub address: String,
    pub after: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct QueueRow {
    pub id: String,
    pub state: &'static str,
    pub from: String,
    pub recipients: Vec<String>,
    pub subject: Option<String>,
    pub size: i64,
    pub attempts: i32,
    pub received_at: i64,
    pub due_at: i64,
}

impl From<&QueuedMessage> for QueueRow {
    fn from(m: &QueuedMessage) -> Self {
        Self {
            id: m.id.clone(),
            state: m.state.as_str(),
            from: m.mail_from.clone(),
            recipients: m.recipients.iter().map(|r| r.address.clone()).collect(),
            subject: m.headers.subject.clone(),
            size: m.blob.size,
            attempts: m.attempts,
            received_at: m.received_at,
            due_at: m.due_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct QueuePage {
    pub messages: Vec<QueueRow>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
}

/// A state as typed in a filter; empty for any.
fn queue_state(text: &str) -> Result<Option<QueueState>, HttpError> {
    Ok(match text.to_ascii_uppercase().as_str() {
        "" => None,
        "ENQUEUED" => Some(QueueState::Enqueued),
        "DELIVERING" => Some(QueueState::Delivering),
        "DELIVERED" => Some(QueueState::Delivered),
        "FAILED" => Some(QueueState::Failed),
        other => {
            return Err(HttpError::Invalid(format!(
                "state must be ENQUEUED, DELIVERING, DELIVERED or FAILED, not {other:?}"
            )))
        }
    })
}

pub async fn page(
    state: &AppState,
    actor: &Actor,
    filter: &Filter,
) -> Result<QueuePage, HttpError> {
    scope::global(&actor.admin)?;
    let wanted = queue_state(filter.state.trim())?;
    let address = match filter.address.trim() {
        "" => None,
        a => Some(Address::parse(a)?.to_string()),
    };
    let domain = match filter.domain.trim() {
        "" => None,
        d => Some(normalize_domain(d)?),
    };
    let found = state
        .store
        .queue_page(
            wanted,
            address.as_deref(),
            domain.as_deref(),
            filter.after.as_deref(),
            paging::FETCH,
        )
        .await?;
    let (found, next) = paging::split(found, |m| m.id.clone());
    Ok(QueuePage {
        messages: found.iter().map(QueueRow::from).collect(),
        next,
    })
}

/// One recipient's delivery, as the detail shows it.
#[derive(Debug, Serialize)]
pub struct RecipientRow {
    pub address: String,
    pub status: RecipientStatus,
    pub attempts: i32,
    pub last_reply: Option<String>,
    /// When it is tried next; absent once final.
    pub next_try: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct QueueDetail {
    #[serde(flatten)]
    pub row: QueueRow,
    pub origin: mismo_core::model::Origin,
    pub headers: mismo_core::model::HeaderSummary,
    /// The message's header block as received, at most 64 KiB.
    pub header_block: String,
    pub recipients_status: Vec<RecipientRow>,
}

pub async fn detail(state: &AppState, actor: &Actor, id: &str) -> Result<QueueDetail, HttpError> {
    scope::global(&actor.admin)?;
    let m = state.admin().queued(id).await?;
    let first = state.store.read_chunk(&m.blob, 0).await?;
    let end = first
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(first.len())
        .min(64 << 10);
    let waiting = m.state == QueueState::Enqueued;
    let recipients_status = m
        .recipients
        .iter()
        .map(|r| {
            let open = r.status.is_open();
            RecipientRow {
                address: r.address.clone(),
                status: r.status,
                attempts: r.attempts,
                last_reply: r.last_reply.clone(),
                next_try: (waiting && open).then_some(m.due_at),
            }
        })
        .collect();
    Ok(QueueDetail {
        row: QueueRow::from(&m),
        header_block: String::from_utf8_lossy(&first[..end]).into_owned(),
        origin: m.origin,
        headers: m.headers,
        recipients_status,
    })
}

pub async fn retry(state: &AppState, actor: &Actor, id: &str) -> Result<(), HttpError> {
    scope::global(&actor.admin)?;
    state.admin().retry_queued(id).await?;
    actor.record(state, "queue.retry", id, "", None).await;
    Ok(())
}

pub async fn delete(state: &AppState, actor: &Actor, id: &str) -> Result<(), HttpError> {
    scope::global(&actor.admin)?;
    state.admin().delete_queued(id).await?;
    actor.record(state, "queue.delete", id, "", None).await;
    Ok(())
}
