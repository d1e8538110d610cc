//! smtp-engine: the stateless ESMTP intake. Every message is stored in MongoDB
//! as an ENQUEUED queue document before the client gets its `250`.

mod connection;
mod data;
mod engine;
mod intake;
mod limits;
mod listener;
mod policy;
mod reply;
mod session;
mod stats;
mod status;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use mismo_core::config::SmtpSettings;
use mismo_core::{service, shutdown, starting};
use tokio_util::task::TaskTracker;

use engine::Engine;
use session::Listener;

#[tokio::main]
async fn main() {
    let settings: SmtpSettings = service::settings("smtp-engine");
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .expect("metrics recorder");

    let tls = match mismo_core::tls::server_config(&settings.node) {
        Ok(config) => Some(tokio_rustls::TlsAcceptor::from(config)),
        Err(e) => service::fail("smtp-engine", &e),
    };
    // Bind before connecting to the store, so a port conflict is reported at once.
    let mx = service::bind("smtp-engine", "SMTP_LISTEN", settings.listen).await;
    let submission = service::bind(
        "smtp-engine",
        "SMTP_SUBMISSION_LISTEN",
        settings.submission_listen,
    )
    .await;
    let smtps = service::bind("smtp-engine", "SMTPS_LISTEN", settings.smtps_listen).await;
    let status_socket =
        service::bind("smtp-engine", "SMTP_STATUS_LISTEN", settings.status_listen).await;

    // Until the store answers, /status says 503 and clients get 421 at once
    // (a sending MTA then tries its next MX), instead of silence.
    let ready = Arc::new(std::sync::OnceLock::new());
    let app = status::router(Arc::clone(&ready), metrics);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(status_socket, app).await {
            tracing::error!("status endpoint: {e}");
        }
    });
    let not_yet = format!(
        "421 4.3.2 {} Service not available, try again later\r\n",
        settings.node.hostname
    );
    let refusing = starting::refuse(vec![
        (mx, Some(not_yet.clone())),
        (submission, Some(not_yet)),
        (smtps, None),
    ]);
    let Some(store) = service::connect_store(&settings.store).await else {
        return;
    };
    let [mx, submission, smtps]: [tokio::net::TcpListener; 3] =
        refusing.ready().await.try_into().expect("three listeners");
    let engine = Arc::new(Engine {
        limits: limits::Limits::new(settings.max_clients, settings.max_clients_per_host),
        policy: policy::Policy::new(store.clone()),
        auth_failures: Default::default(),
        stats: stats::Stats::default(),
        tls,
        draining: Default::default(),
        started: Instant::now(),
        store,
        settings,
    });
    let _ = ready.set(Arc::clone(&engine));

    let sessions = TaskTracker::new();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut accept_loops = Vec::new();
    for (socket, kind) in [
        (mx, Listener::Mx),
        (submission, Listener::Submission),
        (smtps, Listener::Smtps),
    ] {
        tracing::info!(
            "{} listening on {}",
            kind.name(),
            socket
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default()
        );
        accept_loops.push(tokio::spawn(listener::serve(
            Arc::clone(&engine),
            socket,
            kind,
            sessions.clone(),
            stop_rx.clone(),
        )));
    }

    // Operators and tests wait for this line: every listener now serves.
    tracing::info!("serving");
    shutdown::signal().await;
    // Drain: the balancer sees 503, no new connections, sessions finish.
    engine.draining.store(true, Ordering::Relaxed);
    let _ = stop_tx.send(true);
    for l in accept_loops {
        let _ = l.await;
    }
    sessions.close();
    let open = sessions.len();
    tracing::info!("draining: waiting for {open} session(s)");
    if tokio::time::timeout(engine.settings.drain_timeout, sessions.wait())
        .await
        .is_err()
    {
        tracing::warn!("drain timeout: closing {} session(s)", sessions.len());
    }
    tracing::info!("stopped");
}
