//! Delivering one claimed message: every pending recipient is placed
//! (locally or by relay), then the results are written back under the claim.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use mismo_core::model::address::{self, Address};
use mismo_core::model::{
    now_ms, NewMessage, Origin, QueueState, QueuedMessage, Recipient, RecipientStatus,
};

use crate::context::Context;
use crate::dsn;
use crate::local;
use crate::outcome::{Class, Outcome};
use crate::relay::{Outbound, Relay};
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
        .filter(|(_, r)| r.status.is_open())
        .map(|(i, _)| i)
        .collect();

    let bytes = ctx.store.get_blob(&message.blob).await;
    let outcomes = match &bytes {
        Ok(bytes) => deliver_all(&ctx, &message, &pending, bytes).await,
        Err(e) => {
            tracing::warn!(%id, "message bytes unreadable: {e}");
            pending
                .iter()
                .map(|&i| (i, Outcome::temporary(local::LOCAL_PROBLEM), Vec::new()))
                .collect()
        }
    };

    message.attempts += 1;
    let expired = retry::expired(message.received_at, now, ctx.settings.max_queue_lifetime);
    let mut newly_failed: Vec<(usize, Outcome)> = Vec::new();
    for (i, outcome, forwarded) in outcomes {
        let rcpt = &mut message.recipients[i];
        rcpt.forwarded.extend(forwarded);
        rcpt.attempts += 1;
        rcpt.updated_at = now_ms();
        let outcome = if expired && outcome.is_temporary() {
            outcome.given_up("gave up: queued longer than MAX_QUEUE_LIFETIME")
        } else {
            outcome
        };
        log_attempt(&id, &rcpt.address, message.received_at, &outcome);
        rcpt.last_reply = Some(outcome.to_string());
        rcpt.status = match outcome.class {
            Class::Delivered => RecipientStatus::Delivered,
            Class::Temporary => RecipientStatus::Deferred,
            Class::Permanent => {
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
        Ok(()) => tracing::info!("{id}: {}, attempts={attempts}", state.as_str()),
        Err(e) => tracing::warn!(%id, "writing the results: {e}"),
    }
}

/// One line per recipient and attempt, as Postfix's smtp(8) and local(8)
/// write them, found by the queue id like the intake line.
fn log_attempt(id: &str, rcpt: &str, received_at: i64, outcome: &Outcome) {
    let relay = match &outcome.remote {
        Some(r) => format!("{}[{}]:{}", r.host, r.addr.ip(), r.addr.port()),
        None if outcome.class == Class::Delivered => "local".to_string(),
        None => "none".to_string(),
    };
    let delay = (now_ms() - received_at).max(0) as f64 / 1000.0;
    let status = match outcome.class {
        Class::Delivered => "sent",
        Class::Temporary => "deferred",
        Class::Permanent => "bounced",
    };
    tracing::info!(
        "{id}: to=<{rcpt}>, relay={relay}, delay={delay:.2}, dsn={}, status={status} ({outcome})",
        outcome.status_code()
    );
}

/// Delivers to each pending recipient: routes them (local or remote),
/// relays every remote address once, then settles each recipient's
/// outcome from its local deliveries and its relayed addresses.
async fn deliver_all(
    ctx: &Context,
    message: &QueuedMessage,
    pending: &[usize],
    bytes: &[u8],
) -> Vec<(usize, Outcome, Vec<String>)> {
    let (routes, mut outcomes) = route(ctx, message, pending).await;
    let remote = remote_batches(ctx, message, &routes).await;
    let relayed = relay_all(ctx, message, bytes, &remote).await;
    for (i, route) in routes {
        outcomes.push(settle(ctx, message, bytes, i, route, &relayed).await);
    }
    outcomes
}

/// Where each pending recipient goes; those the store could not tell are
/// given a temporary failure at once.
async fn route(
    ctx: &Context,
    message: &QueuedMessage,
    pending: &[usize],
) -> (Vec<(usize, Route)>, Vec<(usize, Outcome, Vec<String>)>) {
    let dir = &ctx.directory;
    let mut routes: Vec<(usize, Route)> = Vec::new();
    let mut outcomes: Vec<(usize, Outcome, Vec<String>)> = Vec::new();
    for &i in pending {
        let address = message.recipients[i].address.clone();
        let domain = Address::parse(&address)
            .map(|a| a.domain().to_string())
            .unwrap_or_default();
        match local::is_local(dir, &domain).await {
            Ok(true) => match local::expand(dir, &address).await {
                Ok(expansion) => routes.push((i, Route::Local(expansion))),
                Err(e) => {
                    tracing::warn!(id = %message.id, rcpt = %address, "store: {e}");
                    outcomes.push((i, Outcome::temporary(local::LOCAL_PROBLEM), Vec::new()));
                }
            },
            Ok(false) => routes.push((i, Route::Remote(address))),
            Err(e) => {
                tracing::warn!(id = %message.id, rcpt = %address, "store: {e}");
                outcomes.push((i, Outcome::temporary(local::LOCAL_PROBLEM), Vec::new()));
            }
        }
    }
    (routes, outcomes)
}

/// Every remote address once, grouped by domain and envelope sender:
/// original recipients and alias forwards alike, leaving out forwards an
/// earlier attempt made. A forward leaves with the sender rewritten into
/// the alias's domain (SRS), so SPF passes at the next hop.
async fn remote_batches(
    ctx: &Context,
    message: &QueuedMessage,
    routes: &[(usize, Route)],
) -> BTreeMap<(String, String), Vec<String>> {
    let mut remote: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut taken: HashSet<String> = HashSet::new();
    for (i, route) in routes {
        let done = &message.recipients[*i].forwarded;
        let (addresses, sender): (Vec<&String>, String) = match route {
            Route::Remote(a) => (vec![a], message.mail_from.clone()),
            Route::Local(e) => {
                let wanted: Vec<&String> = e.remote.iter().filter(|a| !done.contains(a)).collect();
                if wanted.is_empty() {
                    continue;
                }
                let alias = &message.recipients[*i].address;
                match forward_sender(&ctx.directory, message, alias).await {
                    Ok(sender) => (wanted, sender),
                    Err(e) => {
                        tracing::warn!(id = %message.id, "store: {e}");
                        continue;
                    }
                }
            }
        };
        for a in addresses {
            if !taken.insert(a.clone()) {
                continue;
            }
            let domain = address::domain_part(a).to_string();
            remote
                .entry((domain, sender.clone()))
                .or_default()
                .push(a.clone());
        }
    }
    remote
}

/// Relays each batch to its domain's MX hosts; the outcome of each address.
async fn relay_all(
    ctx: &Context,
    message: &QueuedMessage,
    bytes: &[u8],
    remote: &BTreeMap<(String, String), Vec<String>>,
) -> BTreeMap<String, Outcome> {
    // Signing costs a key look-up and an RSA signature: only for relayed mail.
    // Relayed mail goes out with CRLF line endings only, and is signed as
    // it goes out.
    let outbound = crate::line_endings::crlf(bytes);
    let key = if remote.is_empty() {
        None
    } else {
        crate::dkim::key_for(ctx, message).await
    };
    let signed = crate::dkim::signed(key.as_ref(), &outbound);
    let seven_bit = std::sync::OnceLock::new();
    let eight_bit = !outbound.is_ascii();
    let header_utf8 = !mismo_core::model::header_block(&outbound)
        .unwrap_or_default()
        .is_ascii();
    let relay = Relay {
        resolver: &ctx.resolver,
        connections: &ctx.connections,
        port: ctx.settings.relay_port,
        hostname: &ctx.settings.node.hostname,
    };
    let mut results: BTreeMap<String, Outcome> = BTreeMap::new();
    for ((domain, sender), rcpts) in remote {
        // SMTPUTF8 is needed only where UTF-8 is actually in the envelope or
        // the header (as Postfix's smtputf8_autodetect_classes).
        let smtputf8 = message.smtputf8
            && (header_utf8 || !sender.is_ascii() || rcpts.iter().any(|r| !r.is_ascii()));
        let out = Outbound {
            bytes: &signed,
            unsigned: &outbound,
            eight_bit,
            key: key.as_ref(),
            seven_bit: &seven_bit,
            smtputf8,
        };
        let outcomes = relay
            .deliver(&message.id, domain, sender, rcpts, &out)
            .await;
        for (a, o) in rcpts.iter().zip(outcomes) {
            results.insert(a.clone(), o);
        }
    }
    results
}

/// Recipient `i`'s outcome: its relay's, or (for a local address) its
/// mailboxes' deliveries and forwards together; with the addresses it
/// forwarded to.
async fn settle(
    ctx: &Context,
    message: &QueuedMessage,
    bytes: &[u8],
    i: usize,
    route: Route,
    relayed: &BTreeMap<String, Outcome>,
) -> (usize, Outcome, Vec<String>) {
    let mut forwarded = Vec::new();
    let outcome = match route {
        Route::Remote(a) => relayed
            .get(&a)
            .cloned()
            .unwrap_or_else(|| Outcome::temporary("451 4.4.0 not attempted")),
        Route::Local(expansion) => {
            let mut parts: Vec<Outcome> = expansion.failures.into_iter().map(|(_, o)| o).collect();
            for mailbox in &expansion.mailboxes {
                let outcome = local::deliver(&ctx.store, message, mailbox).await;
                if outcome.class == Class::Delivered {
                    let hostname = &ctx.settings.node.hostname;
                    crate::vacation::answer(&ctx.directory, hostname, message, bytes, mailbox)
                        .await;
                }
                parts.push(outcome);
            }
            for a in &expansion.remote {
                match relayed.get(a) {
                    Some(o) => {
                        if o.class == Class::Delivered {
                            forwarded.push(a.clone());
                        }
                        parts.push(o.clone());
                    }
                    None if message.recipients[i].forwarded.contains(a) => {
                        parts.push(Outcome::delivered(format!(
                            "250 2.0.0 <{a}>: forwarded on an earlier attempt"
                        )));
                    }
                    // Not attempted (its sender could not be worked
                    // out): try again later, never count it as done.
                    None => parts.push(Outcome::temporary(local::LOCAL_PROBLEM)),
                }
            }
            combine(parts)
        }
    };
    (i, outcome, forwarded)
}

/// The envelope sender for what the local recipient `alias` forwards: the
/// sender itself when it is null or hosted here (SPF passes for it from
/// here), otherwise its SRS form in the alias's domain.
async fn forward_sender(
    dir: &mismo_core::Directory,
    message: &QueuedMessage,
    alias: &str,
) -> mismo_core::StoreResult<String> {
    let sender = &message.mail_from;
    let Some((_, sender_domain)) = address::split(sender) else {
        return Ok(sender.clone());
    };
    if local::is_local(dir, sender_domain).await? {
        return Ok(sender.clone());
    }
    let alias_domain = address::domain_part(alias);
    Ok(dir
        .srs()
        .await?
        .forward(sender, alias_domain, mismo_core::srs::unix_now()))
}

/// One recipient's outcome from those of the places it expanded to: delivered
/// if it reached anywhere and nothing is left to retry; retried while any
/// part is temporary; failed only if every part failed.
fn combine(parts: Vec<Outcome>) -> Outcome {
    for class in [Class::Temporary, Class::Delivered] {
        if let Some(o) = parts.iter().find(|o| o.class == class) {
            return o.clone();
        }
    }
    parts
        .into_iter()
        .next()
        .unwrap_or_else(|| Outcome::permanent("550 5.1.1 no destination"))
}

/// Queues a DSN to the sender for the recipients that just failed.
pub(crate) async fn bounce(
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
    // A sender's address in UTF-8 is answered over SMTPUTF8 (the
    // constructor sees to it).
    let new = NewMessage::new(
        // Derived from the original, so a retried bounce is not queued twice.
        format!("{}-dsn{}", message.id, message.attempts),
        String::new(),
        vec![Recipient::pending(message.mail_from.clone(), None, None)],
        Origin::internal("bounce", hostname),
    );
    let id = new.id.clone();
    match ctx.store.enqueue_new(new, &bytes).await {
        Ok(_) | Err(mismo_core::StoreError::Duplicate(_)) => {
            tracing::info!(id = %message.id, bounce = %id, "bounce queued");
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
        let d = Outcome::delivered("250");
        let t = Outcome::temporary("451");
        let p = Outcome::permanent("550");
        assert_eq!(combine(vec![d.clone(), p.clone()]), d);
        assert_eq!(combine(vec![d.clone(), t.clone()]), t);
        assert_eq!(combine(vec![p.clone()]), p);
        assert_eq!(combine(vec![]).class, Class::Permanent);
    }
}
