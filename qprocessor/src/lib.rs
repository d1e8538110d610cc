//! qprocessor: claims due messages from the queue and delivers them, locally
//! or by relay, retrying and bouncing as RFC 5321 asks. A library with a
//! thin `main.rs`, as every service.

mod connection_cache;
mod context;
mod dkim;
mod dsn;
mod finisher;
mod guard;
mod line_endings;
mod local;
mod mx;
mod outcome;
mod relay;
mod relay_stream;
mod retry;
mod seven_bit;
mod sweep;
mod vacation;
mod wake;
mod worker;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mismo_core::config::QueueSettings;
use mismo_core::model::{now_ms, QueuedMessage};
use mismo_core::store::DueScan;
use mismo_core::{service, shutdown};
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;

use context::Context;

/// How often expired leases are looked for.
const RECOVERY: Duration = Duration::from_secs(10);
/// The most messages one claim takes.
const MAX_CLAIM: usize = 256;
/// After a stop signal, how long deliveries in flight may take to finish.
const DRAIN: Duration = Duration::from_secs(30);
/// Then, how long giving back the claims not delivered may take.
const RELEASE: Duration = Duration::from_secs(3);

/// Runs the queue until a stop signal, then finishes or gives back what it
/// holds.
pub async fn run(settings: QueueSettings) {
    let Some(ctx) = start(settings).await else {
        return;
    };
    let work = Work {
        permits: Arc::new(Semaphore::new(ctx.settings.concurrency as usize)),
        tasks: TaskTracker::new(),
        in_flight: Arc::default(),
    };
    claim_until_stopped(&ctx, &work).await;
    finish(&ctx, work).await;
}

/// The deliveries under way.
struct Work {
    /// One per delivery that may run at once.
    permits: Arc<Semaphore>,
    tasks: TaskTracker,
    /// Claims in flight, to give back at shutdown: message id -> token.
    in_flight: Arc<Mutex<HashMap<String, String>>>,
}

/// The resolver, the store and what the deliveries share; `None` (the
/// reason said) if the service cannot start.
async fn start(settings: QueueSettings) -> Option<Arc<Context>> {
    let resolver = match mismo_core::dns::resolver(settings.dns_resolver) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("qprocessor: {e}");
            std::process::exit(1);
        }
    };
    let store = service::connect_store(&settings.store).await?;
    let ctx = Arc::new(Context {
        settings,
        directory: mismo_core::Directory::new(store.clone()),
        finisher: finisher::Finisher::start(store.clone()),
        store,
        resolver,
        connections: connection_cache::ConnectionCache::new(),
    });
    sweep::start(ctx.store.clone());
    Some(ctx)
}

/// Claims due messages and starts their deliveries, until a stop signal.
async fn claim_until_stopped(ctx: &Arc<Context>, work: &Work) {
    let concurrency = ctx.settings.concurrency as usize;
    let mut idle = wake::Idle::default();
    let stop = shutdown::signal();
    tokio::pin!(stop);
    let mut last_recovery = Instant::now() - RECOVERY;

    tracing::info!(concurrency, "claiming work");
    // Claimed messages waiting for a delivery slot. Claiming costs three
    // round trips and a durable write whatever the batch size, so a busy
    // qprocessor claims ahead, a batch at a time, rather than one message
    // per slot as slots free up; the lease covers the short wait.
    let mut ready: VecDeque<(String, QueuedMessage)> = VecDeque::new();
    // The last claim found fewer than it asked for: claim again only once
    // what it found is handed out, not for every message that trickles in.
    let mut drained = false;
    let mut scan = DueScan::default();
    loop {
        if last_recovery.elapsed() >= RECOVERY {
            last_recovery = Instant::now();
            // Every store call here gives way to a stop signal: with the
            // store unreachable each would wait out MONGODB_TIMEOUT first.
            tokio::select! {
                () = recover(ctx, &mut scan) => {}
                _ = &mut stop => break,
            }
        }
        if ready.is_empty() {
            drained = false;
        }
        if ready.len() <= concurrency / 2 && !drained {
            let want = (concurrency + work.permits.available_permits()).saturating_sub(ready.len());
            let lease = i64::try_from(ctx.settings.lease.as_millis()).unwrap_or(i64::MAX);
            // A claim cut short by the stop is safe: whatever it took comes
            // back when its lease runs out.
            let claimed = tokio::select! {
                c = ctx.store.claim_due(now_ms(), want.clamp(1, MAX_CLAIM) as i64, lease, &mut scan) => c,
                _ = &mut stop => break,
            };
            match claimed {
                Ok((token, batch)) => {
                    drained = batch.len() < want;
                    let mut held = work.in_flight.lock().expect("lock");
                    for message in batch {
                        held.insert(message.id.clone(), token.clone());
                        ready.push_back((token.clone(), message));
                    }
                }
                Err(e) => {
                    // An error is not an empty queue: say so and try again soon.
                    tracing::warn!("claiming: {e}");
                    if ready.is_empty() {
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                            _ = &mut stop => break,
                        }
                    }
                }
            }
        }
        let Some((token, message)) = ready.pop_front() else {
            if !idle.wait(ctx, &mut stop).await {
                break;
            }
            continue;
        };
        let permit = tokio::select! {
            p = Arc::clone(&work.permits).acquire_owned() => p.expect("semaphore"),
            _ = &mut stop => {
                ready.push_front((token, message));
                break;
            }
        };
        let (ctx, in_flight) = (Arc::clone(ctx), Arc::clone(&work.in_flight));
        work.tasks.spawn(async move {
            let id = message.id.clone();
            guard::deliver(ctx, message, token).await;
            in_flight.lock().expect("lock").remove(&id);
            drop(permit);
        });
    }
}

/// Makes due again the messages whose claim expired (their qprocessor
/// died), and starts the next look through the whole queue.
async fn recover(ctx: &Context, scan: &mut DueScan) {
    scan.rescan();
    match ctx.store.recover_expired_leases(now_ms()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!("{n} message(s) whose claim expired are due again"),
        Err(e) => tracing::warn!("lease recovery: {e}"),
    }
}

/// Lets the deliveries under way finish, for a while, then gives back the
/// claims of those that did not.
async fn finish(ctx: &Context, work: Work) {
    tracing::info!("stopping: waiting for {} delivery(ies)", work.tasks.len());
    work.tasks.close();
    if tokio::time::timeout(DRAIN, work.tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!("drain timeout");
    }
    let unfinished: Vec<(String, String)> = work.in_flight.lock().expect("lock").drain().collect();
    // Giving claims back only saves waiting for their leases; with the store
    // unreachable it must not hold the stop up.
    let release = async {
        for (id, token) in unfinished {
            match ctx.store.release_claim(&id, &token, now_ms()).await {
                Ok(_) => tracing::info!(%id, "claim released"),
                Err(e) => tracing::warn!(%id, "releasing the claim: {e} (its lease will expire)"),
            }
        }
    };
    if tokio::time::timeout(RELEASE, release).await.is_err() {
        tracing::warn!("claims not given back in time: their leases will expire");
    }
    tracing::info!("stopped");
}
