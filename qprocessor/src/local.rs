//! Local delivery: alias expansion, then one mailbox entry per mailbox.

use std::collections::{HashSet, VecDeque};

use mismo_core::model::address::Address;
use mismo_core::model::{
    delivery_headers, now_ms, Activation, Folder, Mailbox, MailboxEntry, QueuedMessage,
};
use mismo_core::srs::{unix_now, Srs};
use mismo_core::{Directory, Store, StoreError, StoreResult};
use sha2::{Digest, Sha256};

use crate::outcome::Outcome;

/// What a recipient's record says when the store failed: the details go to
/// the log, never into a bounce or the queue.
pub const LOCAL_PROBLEM: &str = "451 4.3.0 Temporary local problem, will try again";

/// Aliases nested deeper than this are taken for a loop.
const MAX_ALIAS_DEPTH: usize = 10;

/// Where one recipient's mail goes once aliases are followed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Expansion {
    /// Enabled mailboxes, as read during the expansion.
    pub mailboxes: Vec<Mailbox>,
    pub remote: Vec<String>,
    /// Targets that cannot take mail, with why.
    pub failures: Vec<(String, Outcome)>,
}

/// Whether the domain is hosted here (enabled or not: a disabled domain's
/// mail is refused at intake, and what was queued before still delivers).
pub async fn is_local(dir: &Directory, domain: &str) -> StoreResult<bool> {
    Ok(dir.domain(domain).await?.is_some())
}

/// Follows aliases (chained, catch-all) from a local recipient. A mailbox
/// wins over an alias of the same address; a loop ends the expansion of the
/// addresses in it and, if nothing deliverable is left, fails the recipient.
pub async fn expand(dir: &Directory, rcpt: &str) -> StoreResult<Expansion> {
    let mut out = Expansion::default();
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([(rcpt.to_string(), 0usize)]);
    let mut looped = false;
    while let Some((address, depth)) = queue.pop_front() {
        if !seen.insert(address.clone()) {
            looped = true;
            continue;
        }
        let Ok(parsed) = Address::parse(&address) else {
            out.failures.push((
                address.clone(),
                Outcome::permanent(format!("550 5.1.3 <{address}>: bad address")),
            ));
            continue;
        };
        if !is_local(dir, parsed.domain()).await? {
            out.remote.push(address);
            continue;
        }
        // A bounce (or a reply) to an address an alias rewrote on the way
        // out goes back to the original sender.
        if Srs::looks_like_srs(&address) {
            match dir.srs().await?.reverse(&address, unix_now()) {
                Ok(original) => queue.push_back((original, depth + 1)),
                Err(e) => out.failures.push((
                    address.clone(),
                    Outcome::permanent(format!("550 5.1.1 <{address}>: {e}")),
                )),
            }
            continue;
        }
        if let Some(mailbox) = dir.mailbox(&address).await? {
            match mailbox.state {
                Activation::Enabled => out.mailboxes.push(mailbox),
                Activation::Disabled => out.failures.push((
                    address.clone(),
                    Outcome::permanent(format!("550 5.2.1 <{address}>: mailbox disabled")),
                )),
            }
            continue;
        }
        let alias = match dir.alias(&address).await? {
            Some(a) => Some(a),
            None => dir.alias(&format!("@{}", parsed.domain())).await?,
        };
        match alias {
            Some(_) if depth >= MAX_ALIAS_DEPTH => looped = true,
            Some(alias) => {
                for target in alias.targets {
                    queue.push_back((target, depth + 1));
                }
            }
            None => out.failures.push((
                address.clone(),
                Outcome::permanent(format!("550 5.1.1 <{address}>: user unknown")),
            )),
        }
    }
    if looped && out.mailboxes.is_empty() && out.remote.is_empty() && out.failures.is_empty() {
        out.failures.push((
            rcpt.to_string(),
            Outcome::permanent(format!("550 5.4.6 <{rcpt}>: alias loop")),
        ));
    }
    Ok(out)
}

/// The entry id of a message in a mailbox: the same on every attempt, so a
/// retry after a crash finds the entry already there instead of adding a copy.
pub fn entry_id(queue_id: &str, mailbox: &str) -> String {
    let digest = Sha256::digest(mailbox.as_bytes());
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{queue_id}-{hex}")
}

/// Puts the message into one mailbox (found enabled by `expand`).
pub async fn deliver(store: &Store, message: &QueuedMessage, mailbox: &Mailbox) -> Outcome {
    match try_deliver(store, message, mailbox).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::warn!(id = %message.id, mailbox = %mailbox.address, "store: {e}");
            Outcome::temporary(LOCAL_PROBLEM)
        }
    }
}

async fn try_deliver(
    store: &Store,
    message: &QueuedMessage,
    mailbox: &Mailbox,
) -> StoreResult<Outcome> {
    let address = mailbox.address.as_str();
    let id = entry_id(&message.id, address);
    let added = delivery_headers(&message.mail_from, address);
    let size = added.len() as i64 + message.blob.size;
    if mailbox.quota_bytes > 0 {
        // A retry finds its entry already there: that is no new usage. (With
        // no quota, the insert below meets the entry and says so.)
        if store.get_entry(address, &id).await?.is_some() {
            return Ok(Outcome::delivered(format!(
                "250 2.0.0 <{address}>: delivered before"
            )));
        }
        let usage = store.mailbox_usage(address).await?;
        if !mailbox.has_room(usage.bytes, size) {
            tracing::info!(
                id = %message.id, mailbox = %address,
                "over quota: {} of {} bytes used, {size} more", usage.bytes, mailbox.quota_bytes
            );
            return Ok(Outcome::permanent(format!(
                "552 5.2.2 <{address}>: mailbox full"
            )));
        }
    }
    let mut entry = MailboxEntry {
        id,
        mailbox: address.to_string(),
        blob: message.blob.clone(),
        delivery_headers: added,
        size,
        received_at: now_ms(),
        queue_id: message.id.clone(),
        from: message.headers.from.clone(),
        subject: message.headers.subject.clone(),
        folder: Folder::inbox_id(address),
        uid: Default::default(),
        flags: Vec::new(),
        modseq: 0,
        header: None,
    };
    match store.insert_entry(&mut entry).await {
        Ok(()) | Err(StoreError::Duplicate(_)) => Ok(Outcome::delivered(format!(
            "250 2.0.0 <{address}>: delivered to mailbox"
        ))),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_are_stable_and_distinct() {
        assert_eq!(entry_id("Q1", "zoe@x.test"), entry_id("Q1", "zoe@x.test"));
        assert_ne!(entry_id("Q1", "zoe@x.test"), entry_id("Q1", "bob@x.test"));
        assert!(entry_id("Q1", "zoe@x.test").starts_with("Q1-"));
        assert!(
            entry_id("Q1", "ünï@x.test")
                .bytes()
                .all(|b| (0x21..0x7f).contains(&b)),
            "UIDL-safe"
        );
    }
}
