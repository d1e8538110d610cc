//! A delivery that panics ends as a temporary failure. The panic is a
//! defect, but the message it was carrying must not pay for it: it is
//! released at once with a clear reason (due again after the retry
//! schedule's delay), not held until its claim's lease runs out and then
//! tried, and crashed on, again and again. A message that outlives
//! MAX_QUEUE_LIFETIME this way is returned to its sender, as any other.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use mismo_core::model::{now_ms, QueueState, QueuedMessage, RecipientStatus};

use crate::context::Context;
use crate::outcome::Outcome;
use crate::retry;
use crate::worker;

/// What a recipient is told of an attempt that ended in a panic.
const INTERNAL: &str = "451 4.3.0 internal error while delivering; will try again";
/// What it is told once the message has been queued too long.
const GAVE_UP: &str = "554 5.3.0 internal error while delivering; gave up";

/// Delivers a claimed message (see [`worker::process`]).
pub async fn deliver(ctx: Arc<Context>, message: QueuedMessage, token: String) {
    guarded(
        Arc::clone(&ctx),
        message.clone(),
        token.clone(),
        worker::process(ctx, message, token),
    )
    .await;
}

/// Runs `attempt` at `message`; should it panic, writes the message back
/// as a temporary failure under its claim `token`.
async fn guarded(
    ctx: Arc<Context>,
    message: QueuedMessage,
    token: String,
    attempt: impl std::future::Future<Output = ()>,
) {
    let Err(panic) = AssertUnwindSafe(attempt).catch_unwind().await else {
        return;
    };
    let id = message.id.clone();
    tracing::error!(%id, "delivery panicked: {}; released as a temporary failure", text(&*panic));
    let now = now_ms();
    let schedule = &ctx.settings.retry_schedule;
    let after = if retry::expired(message.received_at, now, ctx.settings.max_queue_lifetime) {
        let gave_up = after_panic(message.clone(), schedule, now, true);
        if bounced(&ctx, &message, &gave_up).await {
            gave_up
        } else {
            // Not returned to its sender either: it stays in the queue,
            // deferred, its reason shown, for an operator to look at.
            tracing::error!(%id, "the bounce could not be queued; the message stays deferred");
            after_panic(message, schedule, now, false)
        }
    } else {
        after_panic(message, schedule, now, false)
    };
    if let Err(e) = ctx.finisher.finish(after, token).await {
        tracing::warn!(%id, "writing the deferral: {e} (its lease will expire)");
    }
}

/// Whether the bounce of `gave_up` (what `message`'s recipients still open
/// became) was queued, without panicking in turn.
async fn bounced(ctx: &Context, message: &QueuedMessage, gave_up: &QueuedMessage) -> bool {
    let failed: Vec<(usize, Outcome)> = (message.recipients.iter().enumerate())
        .filter(|(_, r)| r.status.is_open())
        .map(|(i, _)| (i, Outcome::permanent(GAVE_UP)))
        .collect();
    let bounce = AssertUnwindSafe(worker::bounce(ctx, gave_up, None, &failed));
    matches!(bounce.catch_unwind().await, Ok(Ok(())))
}

/// The message as an attempt that failed temporarily for every recipient
/// still open leaves it: due after the schedule's next delay, or failed
/// (`expired`) when it has been queued too long.
fn after_panic(
    mut message: QueuedMessage,
    schedule: &[Duration],
    now: i64,
    expired: bool,
) -> QueuedMessage {
    message.attempts += 1;
    let reply = if expired { GAVE_UP } else { INTERNAL };
    for r in &mut message.recipients {
        if r.status.is_open() {
            r.status = if expired {
                RecipientStatus::Failed
            } else {
                RecipientStatus::Deferred
            };
            r.attempts += 1;
            r.updated_at = now;
            r.last_reply = Some(reply.to_string());
        }
    }
    if expired {
        message.state = QueueState::Failed;
    } else {
        let delay = retry::next_delay(schedule, message.attempts);
        message.state = QueueState::Enqueued;
        message.due_at = now + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
    }
    message
}

/// A panic's message, where it has one.
fn text(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

#[cfg(test)]
mod tests {
    use super::*;
    use mismo_core::config::{Env, FromEnv, QueueSettings};
    use mismo_core::store::DueScan;
    use mismo_testkit::TestStore;

    use crate::connection_cache::ConnectionCache;
    use crate::finisher::Finisher;

    async fn context(server: &TestStore, lifetime: &str) -> Arc<Context> {
        let mut env = server.env();
        env.push(("RETRY_SCHEDULE".into(), "1h".into()));
        env.push(("MAX_QUEUE_LIFETIME".into(), lifetime.into()));
        let settings = QueueSettings::from_env(&Env::from_pairs(env)).unwrap();
        let store = server.store().await;
        Arc::new(Context {
            resolver: mismo_core::dns::resolver(settings.dns_resolver).unwrap(),
            settings,
            directory: mismo_core::Directory::new(store.clone()),
            finisher: Finisher::start(store.clone()),
            store,
            connections: ConnectionCache::new(),
        })
    }

    /// The first due message, claimed.
    async fn claim(ctx: &Context) -> (String, QueuedMessage) {
        let (token, mut batch) = ctx
            .store
            .claim_due(now_ms(), 1, 600_000, &mut DueScan::default())
            .await
            .unwrap();
        (token, batch.remove(0))
    }

    #[tokio::test]
    async fn a_panic_releases_the_message_as_a_temporary_failure() {
        let server = TestStore::start();
        let ctx = context(&server, "5d").await;
        let id = mismo_testkit::enqueue(&ctx.store, "a@far.test", &["b@other.test"], "x\n").await;
        let (token, message) = claim(&ctx).await;
        let before = now_ms();
        guarded(Arc::clone(&ctx), message, token, async { panic!("boom") }).await;
        let m = ctx.store.get_queued(&id).await.unwrap().unwrap();
        assert_eq!(m.state, QueueState::Enqueued);
        assert_eq!(m.attempts, 1);
        assert!(m.claim_token.is_none() && m.lease_until.is_none());
        // Due again after the schedule's delay, not at once nor at the
        // lease's end.
        assert!(m.due_at >= before + 3_600_000, "{}", m.due_at - before);
        let r = &m.recipients[0];
        assert_eq!(r.status, RecipientStatus::Deferred);
        assert_eq!(r.last_reply.as_deref(), Some(INTERNAL));
    }

    #[tokio::test]
    async fn a_message_that_panics_past_its_lifetime_is_returned() {
        let server = TestStore::start();
        let ctx = context(&server, "1ms").await;
        let id = mismo_testkit::enqueue(&ctx.store, "a@far.test", &["b@other.test"], "x\n").await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        let (token, message) = claim(&ctx).await;
        guarded(Arc::clone(&ctx), message, token, async { panic!("boom") }).await;
        let m = ctx.store.get_queued(&id).await.unwrap().unwrap();
        assert_eq!(m.state, QueueState::Failed);
        assert_eq!(m.recipients[0].last_reply.as_deref(), Some(GAVE_UP));
        // Its bounce is queued to the sender.
        let bounce = ctx
            .store
            .get_queued(&format!("{id}-dsn1"))
            .await
            .unwrap()
            .expect("a bounce");
        assert_eq!(bounce.recipients[0].address, "a@far.test");
    }
}
