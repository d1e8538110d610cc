//! What the dashboard shows, for pages and API alike: counts of what the
//! administrator manages; for a global administrator also the queue by
//! state, the last 24 hours' mail, and each smtp-engine's `/status`. The
//! store's own answer time is shown to everyone.

use std::time::Duration;

use mismo_core::model::{now_ms, Administrator, Node};
use mismo_core::store::Traffic;
use serde::Serialize;

use crate::state::AppState;
use mismo_core::web::HttpError;

/// How long an engine has to answer its `/status`.
const STATUS_TIMEOUT: Duration = Duration::from_secs(2);
/// Engines seen within this are listed (they refresh every 15 s).
const RECENT: Duration = Duration::from_secs(60);
const DAY: i64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Serialize)]
pub struct Overview {
    pub domains: usize,
    pub enabled_domains: usize,
    pub mailboxes: u64,
    /// Milliseconds the store took to answer a ping.
    pub store_ms: f64,
    /// Global administrators only: these mix every domain.
    pub queue: Option<Vec<QueueCount>>,
    pub last_24h: Option<Traffic>,
    pub engines: Option<Vec<EngineStatus>>,
}

/// How many queued messages are in one state.
#[derive(Debug, Serialize)]
pub struct QueueCount {
    pub state: String,
    pub count: i64,
}

/// One smtp-engine and what its `/status` said.
#[derive(Debug, Serialize)]
pub struct EngineStatus {
    pub hostname: String,
    pub status_url: String,
    pub version: String,
    pub started_at: i64,
    /// `ok` (200), `unavailable` (503: draining, or its store is down) or
    /// `unreachable` (no answer).
    pub state: &'static str,
    /// What `/status` gave as the reason, or why it could not be asked.
    pub reason: Option<String>,
}

pub async fn overview(state: &AppState, admin: &Administrator) -> Result<Overview, HttpError> {
    let store_ms = state.store.ping().await?.as_secs_f64() * 1000.0;
    let domains = crate::domains::list(state, admin).await?;
    let mut overview = Overview {
        domains: domains.len(),
        enabled_domains: domains.iter().filter(|d| d.state == "enabled").count(),
        mailboxes: domains.iter().map(|d| d.mailboxes).sum(),
        store_ms,
        queue: None,
        last_24h: None,
        engines: None,
    };
    if crate::scope::global(admin).is_ok() {
        let counts = state.store.queue_counts().await?;
        let counts = counts
            .into_iter()
            .map(|(state, count)| QueueCount { state, count });
        overview.queue = Some(counts.collect());
        overview.last_24h = Some(state.store.traffic_since(now_ms() - DAY).await?);
        let since = now_ms() - RECENT.as_millis() as i64;
        let nodes = state.store.live_nodes("smtp-engine", since).await?;
        overview.engines = Some(engines(nodes).await);
    }
    Ok(overview)
}

/// Asks every engine at once, each within [`STATUS_TIMEOUT`].
async fn engines(nodes: Vec<Node>) -> Vec<EngineStatus> {
    let client = reqwest::Client::builder()
        .timeout(STATUS_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| tracing::error!("HTTP client: {e}"))
        .ok();
    let mut asked = tokio::task::JoinSet::new();
    for (n, node) in nodes.into_iter().enumerate() {
        let client = client.clone();
        asked.spawn(async move {
            let (state, reason) = match &client {
                Some(client) => ask(client, &node.status_url).await,
                None => (
                    "unreachable",
                    Some("the console cannot make requests".into()),
                ),
            };
            let status = EngineStatus {
                hostname: node.hostname,
                status_url: node.status_url,
                version: node.version,
                started_at: node.started_at,
                state,
                reason,
            };
            (n, status)
        });
    }
    let mut answers: Vec<(usize, EngineStatus)> = asked.join_all().await;
    answers.sort_by_key(|(n, _)| *n);
    answers.into_iter().map(|(_, s)| s).collect()
}

async fn ask(client: &reqwest::Client, url: &str) -> (&'static str, Option<String>) {
    let response = match client.get(url).send().await {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return ("unreachable", Some("no answer within 2 s".into())),
        Err(_) => return ("unreachable", Some("connection refused or failed".into())),
    };
    let ok = response.status().is_success();
    let reason = response
        .json::<serde_json::Value>()
        .await
        .ok()
        .and_then(|body| body["reason"].as_str().map(str::to_string));
    match ok {
        true => ("ok", None),
        false => ("unavailable", reason.or(Some("not ready".into()))),
    }
}
