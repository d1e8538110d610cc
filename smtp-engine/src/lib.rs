//! smtp-engine: the stateless ESMTP intake. Every message is stored in MongoDB
//! as an ENQUEUED queue document before the client gets its `250`.
//!
//! The SMTP session is a plain state machine ([`session::Session`]); the
//! connection around it does the I/O, and the shared server skeleton
//! (`mismo_core::server`) accepts, limits and drains.

mod connection;
mod data;
mod engine;
#[doc(hidden)]
pub mod fuzzing;
mod intake;
mod policy;
mod presence;
mod reply;
pub mod session;
mod stats;
mod status;

use std::sync::Arc;
use std::time::Instant;

use mismo_core::config::SmtpSettings;
use mismo_core::server::{self, Endpoint, Limits, Options};
use mismo_core::{service, starting};

use engine::Engine;
use session::Listener;

/// Runs the engine until a stop signal, then drains.
pub async fn run(settings: SmtpSettings) {
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
    let status_addr = status_socket.local_addr().unwrap_or(settings.status_listen);

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
    mismo_core::login_cache::remember_logins_for(settings.auth_cache_ttl);
    let Some(store) = service::connect_store(&settings.store).await else {
        return;
    };
    let [mx, submission, smtps]: [tokio::net::TcpListener; 3] =
        refusing.ready().await.try_into().expect("three listeners");
    let presence =
        presence::Presence::start(store.clone(), &settings.node.hostname, status_addr).await;
    let limits = Limits::new(settings.max_clients, settings.max_clients_per_host);
    let drain = settings.drain_timeout;
    let engine_proxies = settings.proxy_protocol_from.clone();
    let engine = Arc::new(Engine {
        limits: Arc::clone(&limits),
        policy: policy::Policy::new(store.clone(), settings.send_limits),
        stats: stats::Stats::default(),
        tls: tls.clone(),
        draining: Default::default(),
        started: Instant::now(),
        store,
        settings,
    });
    let _ = ready.set(Arc::clone(&engine));

    let endpoints = vec![
        Endpoint {
            socket: mx,
            kind: Listener::Mx,
            implicit_tls: false,
        },
        Endpoint {
            socket: submission,
            kind: Listener::Submission,
            implicit_tls: false,
        },
        Endpoint {
            socket: smtps,
            kind: Listener::Smtps,
            implicit_tls: true,
        },
    ];
    let options = Options {
        tls,
        limits: Some(limits),
        over_limit: reply::common::too_many_connections().to_wire(),
        drain,
        proxies: engine_proxies,
    };
    server::run(engine, endpoints, options).await;
    presence.leave().await;
}
