//! The load balancer's view: GET /status, /status/detail and /metrics.

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;

use crate::engine::Engine;
use crate::stats::Stats;

#[derive(Clone)]
struct AppState {
    /// Set once the store has answered: until then every health question
    /// is answered 503 at once, so a balancer never waits on a starting engine.
    engine: Arc<OnceLock<Arc<Engine>>>,
    metrics: PrometheusHandle,
}

/// The reply while the engine waits for the store at start-up.
fn starting() -> (StatusCode, Json<serde_json::Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(
            json!({ "status": "unavailable", "reason": "starting: the store does not answer yet" }),
        ),
    )
}

pub fn router(engine: Arc<OnceLock<Arc<Engine>>>, metrics: PrometheusHandle) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/status/detail", get(detail))
        .route("/metrics", get(prometheus))
        .with_state(AppState { engine, metrics })
}

/// Why the engine should get no traffic, if it should not.
async fn health(engine: &Engine) -> (Result<(), String>, Option<Duration>) {
    if engine.draining.load(Ordering::Relaxed) {
        return (Err("draining: shutting down".into()), None);
    }
    // The balancer polls often; answer within 2 s whatever the store does.
    match tokio::time::timeout(Duration::from_secs(2), engine.store.ping()).await {
        Ok(Ok(latency)) => (Ok(()), Some(latency)),
        Ok(Err(e)) => (Err(format!("store: {e}")), None),
        Err(_) => (Err("store: no answer within 2 s".into()), None),
    }
}

fn code(ok: &Result<(), String>) -> StatusCode {
    if ok.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

async fn status(State(app): State<AppState>) -> impl IntoResponse {
    let Some(engine) = app.engine.get() else {
        return starting();
    };
    let (health, _) = health(engine).await;
    let body = match &health {
        Ok(()) => json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }),
        Err(reason) => json!({ "status": "unavailable", "reason": reason }),
    };
    (code(&health), Json(body))
}

async fn detail(State(app): State<AppState>) -> impl IntoResponse {
    let Some(e) = app.engine.get() else {
        return starting();
    };
    let (health, latency) = health(e).await;
    let (total, top) = e.limits.snapshot(10);
    let body = json!({
        "status": if health.is_ok() { "ok" } else { "unavailable" },
        "reason": health.as_ref().err(),
        "version": env!("CARGO_PKG_VERSION"),
        "hostname": e.settings.node.hostname,
        "uptime_seconds": e.started.elapsed().as_secs(),
        "connections": {
            "total": total,
            "limit": e.settings.max_clients,
            "per_host_limit": e.settings.max_clients_per_host,
            "top_hosts": top.iter().map(|(ip, n)| json!({ "host": ip.to_string(), "connections": n })).collect::<Vec<_>>(),
            "refused_since_start": Stats::get(&e.stats.connections_refused),
        },
        "messages": {
            "accepted_since_start": Stats::get(&e.stats.accepted),
            "rejected_since_start": Stats::get(&e.stats.rejected),
        },
        "store": {
            "latency_ms": latency.map(|d| d.as_secs_f64() * 1000.0),
        },
    });
    (code(&health), Json(body))
}

async fn prometheus(State(app): State<AppState>) -> impl IntoResponse {
    if let Some(engine) = app.engine.get() {
        let (total, _) = engine.limits.snapshot(0);
        metrics::gauge!("smtp_connections").set(f64::from(total));
    }
    (
        [("content-type", "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
}
