//! Delivering one claimed message: every pending recipient is placed
//! (locally or by relay), then the results are written back under the claim.

use std::collections::BTreeMap;
use std::sync::Arc;

use mismo_core::model::address::Address;
use mismo_core::model::{
    now_ms, DsnRequest, NewMessage, Origin, QueueState, QueuedMessage, Recipient, RecipientStatus,
};
use mismo_core::Store;

use crate::context::Context;
use crate::dsn;
use crate::local;
use crate::outcome::Outcome;
use crate::relay::Relay;
use crate::retry;

/// Where one original recipient's mail has to go.
enum Route {
    /// Local mailboxes and remote forwards (from aliases), and failures.
    Local(local::Expansion),
    /// A remote address, relayed as is.
    Remote(String),
}

pub async fn process(ctx: Arc<Context>, mut message: QueuedMessage, token: String) {
    let id = message.id.clone();
    let now = now_ms();
    let pending: Vec<usize> = message
        .recipients
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            matches!(
                r.status,
                RecipientStatus::Pending | RecipientStatus::Deferred
            )
        })
        .map(|(i, _)| i)
        .collect();

    let bytes = ctx.store.get_blob(&message.blob).await;
    let outcomes = match &bytes {
        Ok(bytes) => deliver_all(&ctx, &message, &pending, bytes).await,
        Err(e) => pending
            .iter()
            .map(|&i| {
                (
                    i,
                    Outcome::Temporary(format!("451 4.3.0 message bytes unreadable: {e}")),
                )
            })
            .collect(),
    };

    message.attempts += 1;
    let expired = retry::expired(message.received_at, now, ctx.settings.max_queue_lifetime);
    let mut newly_failed: Vec<(usize, Outcome)> = Vec::new();
    for (i, outcome) in outcomes {
        let rcpt = &mut message.recipients[i];
        rcpt.attempts += 1;
        rcpt.updated_at = now_ms();
        let outcome = match outcome {
            Outcome::Temporary(why) if expired => Outcome::Permanent(format!(
                "{why} (gave up: queued longer than MAX_QUEUE_LIFETIME)"
            )),
            o => o,
        };
        rcpt.last_reply = Some(outcome.text().to_string());
        rcpt.status = match &outcome {
            Outcome::Delivered(_) => RecipientStatus::Delivered,
            Outcome::Temporary(_) => RecipientStatus::Deferred,
            Outcome::Permanent(_) => {
                newly_failed.push((i, outcome.clone()));
                RecipientStatus::Failed
            }
        };
    }
    let statuses: Vec<RecipientStatus> = message.recipients.iter().map(|r| r.status).collect();
    message.state = if statuses.contains(&RecipientStatus::Deferred)
        || statuses.contains(&RecipientStatus::Pending)
    {
        let delay = retry::next_delay(&ctx.settings.retry_schedule, message.attempts);
        message.due_at = now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
        QueueState::Enqueued
    } else if statuses.contains(&RecipientStatus::Failed) {
        QueueState::Failed
    } else {
        QueueState::Delivered
    };

    if !newly_failed.is_empty() {
        if let Err(e) = bounce(&ctx, &message, bytes.ok().as_deref(), &newly_failed).await {
            // The claim is not written, so the lease runs out and the
            // message is tried again, bounce included: better late than lost.
            tracing::warn!(%id, "could not queue the bounce: {e}");
            return;
        }
    }
    let (state, attempts) = (message.state, message.attempts);
    match ctx.finisher.finish(message, token).await {
        Ok(()) => tracing::info!(%id, state = state.as_str(), attempts, "done"),
        Err(e) => tracing::warn!(%id, "writing the results: {e}"),
    }
}

async fn deliver_all(
    ctx: &Context,
    message: &QueuedMessage,
    pending: &[usize],
    bytes: &[u8],
) -> Vec<(usize, Outcome)> {
    let store: &Store = &ctx.store;
    let dir = &ctx.directory;
    let mut routes: Vec<(usize, Route)> = Vec::new();
    let mut outcomes: Vec<(usize, Outcome)> = Vec::new();
    for &i in pending {
        let address = message.recipients[i].address.clone();
        let domain = Address::parse(&address)
            .map(|a| a.domain().to_string())
            .unwrap_or_default();
        match local::is_local(dir, &domain).await {
            Ok(true) => match local::expand(dir, &address).await {
                Ok(expansion) => routes.push((i, Route::Local(expansion))),
                Err(e) => outcomes.push((i, Outcome::Temporary(format!("451 4.3.0 store: {e}")))),
            },
            Ok(false) => routes.push((i, Route::Remote(address))),
            Err(e) => outcomes.push((i, Outcome::Temporary(format!("451 4.3.0 store: {e}")))),
        }
    }

    // Every remote address once, grouped by domain: original recipients and
    // alias forwards alike.
    let mut remote: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (_, route) in &routes {
        let addresses: Vec<&String> = match route {
            Route::Remote(a) => vec![a],
            Route::Local(e) => e.remote.iter().collect(),
        };
        for a in addresses {
            let domain = a
                .rsplit_once('@')
                .map(|(_, d)| d.to_string())
                .unwrap_or_default();
            let list = remote.entry(domain).or_default();
            if !list.contains(a) {
                list.push(a.clone());
            }
        }
    }
    // Signing costs a key look-up and an RSA signature: only for relayed mail.
    // Relayed mail goes out with CRLF line endings only, and is signed as
    // it goes out.
    let outbound = crate::line_endings::crlf(bytes);
    let signed = if remote.is_empty() {
        std::borrow::Cow::Borrowed(&*outbound)
    } else {
        crate::dkim::sign_if_submitted(ctx, message, &outbound).await
    };
    let relay = Relay {
        resolver: &ctx.resolver,
        connections: &ctx.connections,
        port: ctx.settings.relay_port,
        hostname: &ctx.settings.node.hostname,
    };
    let mut remote_results: BTreeMap<String, Outcome> = BTreeMap::new();
    for (domain, rcpts) in &remote {
        let results = relay
            .deliver(domain, &message.mail_from, rcpts, &signed)
            .await;
        for (a, o) in rcpts.iter().zip(results) {
            remote_results.insert(a.clone(), o);
        }
    }

    for (i, route) in routes {
        let outcome = match route {
            Route::Remote(a) => remote_results
                .get(&a)
                .cloned()
                .unwrap_or_else(|| Outcome::Temporary("451 4.4.0 not attempted".into())),
            Route::Local(expansion) => {
                let mut parts: Vec<Outcome> =
                    expansion.failures.into_iter().map(|(_, o)| o).collect();
                for mailbox in &expansion.mailboxes {
                    parts.push(local::deliver(store, message, mailbox).await);
                }
                for a in &expansion.remote {
                    parts.extend(remote_results.get(a).cloned());
                }
                combine(parts)
            }
        };
        outcomes.push((i, outcome));
    }
    outcomes
}

/// One recipient's outcome from those of the places it expanded to: delivered
/// if it reached anywhere and nothing is left to retry; retried while any
/// part is temporary; failed only if every part failed.
fn combine(parts: Vec<Outcome>) -> Outcome {
    if let Some(t) = parts.iter().find(|o| matches!(o, Outcome::Temporary(_))) {
        return t.clone();
    }
    if let Some(d) = parts.iter().find(|o| matches!(o, Outcome::Delivered(_))) {
        return d.clone();
    }
    parts
        .into_iter()
        .next()
        .unwrap_or_else(|| Outcome::Permanent("550 5.1.1 no destination".into()))
}

/// Queues a DSN to the sender for the recipients that just failed.
async fn bounce(
    ctx: &Context,
    message: &QueuedMessage,
    original: Option<&[u8]>,
    failed: &[(usize, Outcome)],
) -> mismo_core::StoreResult<()> {
    let reported: Vec<(&Recipient, &Outcome)> = failed
        .iter()
        .map(|(i, o)| (&message.recipients[*i], o))
        .filter(|(r, _)| dsn::wanted(message, r))
        .collect();
    if reported.is_empty() {
        return Ok(());
    }
    // Read again only if the delivery attempt could not read it.
    let original = match original {
        Some(bytes) => std::borrow::Cow::Borrowed(bytes),
        None => std::borrow::Cow::Owned(ctx.store.get_blob(&message.blob).await?),
    };
    let hostname = &ctx.settings.node.hostname;
    let bytes = dsn::build(hostname, message, &original, &reported);
    let blob = ctx.store.put_blob(&bytes).await?;
    let (headers, attachments) = mismo_core::summary::summarize(&bytes);
    let dsn = QueuedMessage::enqueued(NewMessage {
        // Derived from the original, so a retried bounce is not queued twice.
        id: format!("{}-dsn{}", message.id, message.attempts),
        mail_from: String::new(),
        recipients: vec![Recipient::pending(message.mail_from.clone(), None, None)],
        blob,
        headers,
        attachments,
        origin: Origin {
            client_ip: String::new(),
            helo: String::new(),
            auth_user: None,
            listener: "bounce".into(),
            engine: hostname.clone(),
        },
        dsn: DsnRequest::default(),
    });
    match ctx.store.enqueue(&dsn).await {
        Ok(()) | Err(mismo_core::StoreError::Duplicate(_)) => {
            tracing::info!(id = %message.id, bounce = %dsn.id, "bounce queued");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combining_the_parts_of_an_alias() {
        let d = Outcome::Delivered("250".into());
        let t = Outcome::Temporary("451".into());
        let p = Outcome::Permanent("550".into());
        assert_eq!(combine(vec![d.clone(), p.clone()]), d);
        assert_eq!(combine(vec![d.clone(), t.clone()]), t);
        assert_eq!(combine(vec![p.clone()]), p);
        assert!(matches!(combine(vec![]), Outcome::Permanent(_)));
    }
}
