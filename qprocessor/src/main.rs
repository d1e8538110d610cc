//! qprocessor: claims due messages from the queue and delivers them, locally
//! or by relay, retrying and bouncing as RFC 5321 asks.

mod context;
mod dkim;
mod dsn;
mod local;
mod mx;
mod outcome;
mod relay;
mod retry;
mod wake;
mod worker;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mismo_core::config::QueueSettings;
use mismo_core::model::now_ms;
use mismo_core::{service, shutdown};
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;

use context::Context;

/// How often an idle qprocessor looks for work that became due by time, or for
/// new work where no change stream tells it (a cheap indexed probe).
const PROBE: Duration = Duration::from_millis(500);
/// How often expired leases are looked for.
const RECOVERY: Duration = Duration::from_secs(10);
/// After a stop signal, how long deliveries in flight may take to finish.
const DRAIN: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() {
    let settings: QueueSettings = service::settings("qprocessor");
    let resolver = match mismo_core::dns::resolver(settings.dns_resolver) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("qprocessor: {e}");
            std::process::exit(1);
        }
    };
    let Some(store) = service::connect_store(&settings.store).await else {
        return;
    };
    let concurrency = settings.concurrency as usize;
    let wake = wake::watch(store.clone());
    let ctx = Arc::new(Context {
        settings,
        store,
        resolver,
    });
    let permits = Arc::new(Semaphore::new(concurrency));
    let tasks = TaskTracker::new();
    // Claims in flight, to give back at shutdown: message id -> token.
    let in_flight: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let stop = shutdown::signal();
    tokio::pin!(stop);
    let mut last_recovery = Instant::now() - RECOVERY;

    tracing::info!(concurrency, "claiming work");
    loop {
        if last_recovery.elapsed() >= RECOVERY {
            last_recovery = Instant::now();
            match ctx.store.recover_expired_leases(now_ms()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} message(s) whose claim expired are due again"),
                Err(e) => tracing::warn!("lease recovery: {e}"),
            }
        }
        // Wait for a free delivery slot, then claim as many as are free.
        let first = tokio::select! {
            p = Arc::clone(&permits).acquire_owned() => p.expect("semaphore"),
            _ = &mut stop => break,
        };
        let free = permits.available_permits() + 1;
        let lease = i64::try_from(ctx.settings.lease.as_millis()).unwrap_or(i64::MAX);
        let claimed = ctx
            .store
            .claim_due(now_ms(), free.min(256) as i64, lease)
            .await;
        let (token, batch) = match claimed {
            Ok(c) => c,
            Err(e) => {
                // An error is not an empty queue: say so and try again soon.
                tracing::warn!("claiming: {e}");
                drop(first);
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = &mut stop => break,
                }
            }
        };
        if batch.is_empty() {
            drop(first);
            if !idle(&ctx, &wake, &mut stop).await {
                break;
            }
            continue;
        }
        let mut first = Some(first);
        for message in batch {
            let permit = match first.take() {
                Some(p) => p,
                None => Arc::clone(&permits)
                    .acquire_owned()
                    .await
                    .expect("semaphore"),
            };
            in_flight
                .lock()
                .expect("lock")
                .insert(message.id.clone(), token.clone());
            let (ctx, in_flight, token) = (Arc::clone(&ctx), Arc::clone(&in_flight), token.clone());
            tasks.spawn(async move {
                let id = message.id.clone();
                worker::process(ctx, message, token).await;
                in_flight.lock().expect("lock").remove(&id);
                drop(permit);
            });
        }
    }

    tracing::info!("stopping: waiting for {} delivery(ies)", tasks.len());
    tasks.close();
    if tokio::time::timeout(DRAIN, tasks.wait()).await.is_err() {
        tracing::warn!("drain timeout");
    }
    let unfinished: Vec<(String, String)> = in_flight.lock().expect("lock").drain().collect();
    for (id, token) in unfinished {
        match ctx.store.release_claim(&id, &token, now_ms()).await {
            Ok(_) => tracing::info!(%id, "claim released"),
            Err(e) => tracing::warn!(%id, "releasing the claim: {e} (its lease will expire)"),
        }
    }
    tracing::info!("stopped");
}

/// Nothing is due: sleep up to QUEUE_CYCLE_PERIOD, but wake at once when the
/// change stream reports new mail, or when the probe sees due work, so a new
/// message waits well under a second even without a change stream. False if a
/// stop signal came.
async fn idle(
    ctx: &Context,
    wake: &tokio::sync::Notify,
    stop: &mut std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> bool {
    let until = Instant::now() + ctx.settings.cycle_period;
    while Instant::now() < until {
        tokio::select! {
            _ = wake.notified() => return true,
            _ = tokio::time::sleep(PROBE) => {}
            _ = stop.as_mut() => return false,
        }
        match ctx.store.any_due(now_ms()).await {
            Ok(true) => return true,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!("probing the queue: {e}");
                return true;
            }
        }
    }
    true
}
