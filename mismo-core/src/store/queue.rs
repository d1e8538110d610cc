//! The queue of accepted messages.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};

use super::names::MESSAGES;
use super::{Store, StoreError, StoreResult};
use crate::model::{NewMessage, QueueState, QueuedMessage};

/// Where the next claim starts looking for due work.
///
/// The store answers a range query by reading every document in the range
/// before it sorts and limits, so looking through the whole backlog for each
/// batch would cost in proportion to the backlog. Messages become due at the
/// time they are queued, released or retried, never earlier, so a claimer can
/// start from the oldest due time it found last and widen the window only as
/// far as it needs. A message whose due time lies below the floor (set by a
/// node whose clock is behind) is found by the next full look: call
/// [`DueScan::rescan`] every so often.
#[derive(Debug, Default, Clone)]
pub struct DueScan {
    floor: Option<i64>,
}

impl DueScan {
    /// The first window above the floor, in milliseconds; each next one is
    /// four times wider.
    const FIRST_SPAN: i64 = 25;

    /// The next claim looks through everything due.
    pub fn rescan(&mut self) {
        self.floor = None;
    }
}

impl Store {
    fn queue(&self) -> mongodb::Collection<QueuedMessage> {
        self.collection(MESSAGES)
    }

    /// The one way a message enters the queue, from intake, from a bounce or
    /// from anywhere else: the bytes first, then the document that makes them
    /// a message. When this returns `Ok`, the store has acknowledged both with
    /// the configured write concern, and only then may an engine answer `250`.
    ///
    /// If the document is refused, the bytes are removed again, also when an
    /// earlier try already queued a message with this id (`Duplicate`): that
    /// one refers to bytes of its own. When the store stops answering, they
    /// stay, since the document may have landed after all; if it did not,
    /// the orphan sweep collects them.
    pub async fn enqueue_new(&self, new: NewMessage, bytes: &[u8]) -> StoreResult<QueuedMessage> {
        let blob = self.put_blob(bytes).await?;
        let message = QueuedMessage::enqueued(new, blob, bytes);
        match self.insert_queue_document(&message).await {
            Ok(()) => Ok(message),
            Err(e @ StoreError::Unavailable(_)) => Err(e),
            Err(e) => {
                if let Err(cleanup) = self.delete_blob(&message.blob).await {
                    tracing::warn!(id = %message.id, "bytes of a refused message left for the sweep: {cleanup}");
                }
                Err(e)
            }
        }
    }

    /// Writes a complete queue document as it is. Mail enters the queue
    /// through [`Store::enqueue_new`]; this is the write under it, open for
    /// tests of the document's stored form.
    pub async fn insert_queue_document(&self, message: &QueuedMessage) -> StoreResult<()> {
        self.run(self.queue().insert_one(message)).await?;
        Ok(())
    }

    pub async fn get_queued(&self, id: &str) -> StoreResult<Option<QueuedMessage>> {
        self.run(self.queue().find_one(doc! { "_id": id })).await
    }

    /// Queue documents, oldest first, optionally of one state.
    pub async fn list_queued(
        &self,
        state: Option<QueueState>,
        limit: i64,
    ) -> StoreResult<Vec<QueuedMessage>> {
        self.queue_page(state, None, None, None, limit).await
    }
}

impl Store {
    /// A page of queue documents, oldest first, after the id `after`: of
    /// one state, and with `address` as sender or a recipient, and with a
    /// recipient or the sender in `domain`, when those are given.
    pub async fn queue_page(
        &self,
        state: Option<QueueState>,
        address: Option<&str>,
        domain: Option<&str>,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<QueuedMessage>> {
        let mut filter = doc! {};
        if let Some(s) = state {
            filter.insert("state", s.as_str());
        }
        if let Some(after) = after {
            filter.insert("_id", doc! { "$gt": after });
        }
        let mut all = Vec::new();
        if let Some(a) = address {
            all.push(doc! { "$or": [ { "mail_from": a }, { "recipients.address": a } ] });
        }
        if let Some(d) = domain {
            let at = mongodb::bson::Regex {
                pattern: format!("@{}$", super::regex_literal(d)),
                options: String::new(),
            };
            all.push(doc! { "$or": [ { "mail_from": at.clone() }, { "recipients.address": at } ] });
        }
        if !all.is_empty() {
            filter.insert("$and", all);
        }
        let cursor = self
            .run(
                self.queue()
                    .find(filter)
                    .sort(doc! { "_id": 1 })
                    .limit(limit)
                    .projection(doc! { "blob.inline": 0 }),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }
}

/// Counts of queue documents by state.
pub type QueueCounts = Vec<(String, i64)>;

impl Store {
    /// Claims up to `limit` due messages for one worker (a batch, because one
    /// find-and-modify per message costs a round trip each): the due ids, one
    /// `update_many` guarded by the state that sets a fresh claim token and a
    /// lease, then the documents carrying that token. Errors are errors, never
    /// an empty queue.
    pub async fn claim_due(
        &self,
        now: i64,
        limit: i64,
        lease_ms: i64,
        scan: &mut DueScan,
    ) -> StoreResult<(String, Vec<QueuedMessage>)> {
        let token = crate::model::new_id();
        let due = self.due_ids(now, limit, scan).await?;
        let ids: Vec<&str> = due.iter().map(|(id, _)| id.as_str()).collect();
        if ids.is_empty() {
            return Ok((token, Vec::new()));
        }
        self.run(self.raw(MESSAGES).update_many(
            doc! { "_id": { "$in": &ids }, "state": QueueState::Enqueued.as_str() },
            doc! { "$set": {
                "state": QueueState::Delivering.as_str(),
                "claim_token": &token,
                "lease_until": now + lease_ms,
            } },
        ))
        .await?;
        let cursor = self
            .run(self.queue().find(doc! { "claim_token": &token }))
            .await?;
        let mut claimed: Vec<QueuedMessage> = self.run(cursor.try_collect()).await?;
        // Trust the token on the document, not the query.
        claimed.retain(|m| {
            m.claim_token.as_deref() == Some(token.as_str()) && m.state == QueueState::Delivering
        });
        Ok((token, claimed))
    }

    /// The ids and due times of up to `limit` due messages, oldest first,
    /// looked for upwards from the scan's floor in widening windows.
    async fn due_ids(
        &self,
        now: i64,
        limit: i64,
        scan: &mut DueScan,
    ) -> StoreResult<Vec<(String, i64)>> {
        let mut found = Vec::new();
        let mut lo = scan.floor.unwrap_or(i64::MIN);
        let mut span = DueScan::FIRST_SPAN;
        while lo <= now && (found.len() as i64) < limit {
            let hi = if scan.floor.is_some() {
                lo.saturating_add(span).min(now)
            } else {
                now
            };
            let cursor = self
                .run(
                    self.raw(MESSAGES)
                        .find(doc! {
                            "state": QueueState::Enqueued.as_str(),
                            "due_at": { "$gte": lo, "$lte": hi },
                        })
                        .sort(doc! { "due_at": 1 })
                        .limit(limit - found.len() as i64)
                        .projection(doc! { "_id": 1, "due_at": 1 }),
                )
                .await?;
            let docs: Vec<mongodb::bson::Document> = self.run(cursor.try_collect()).await?;
            found.extend(docs.iter().filter_map(|d| {
                Some((
                    d.get_str("_id").ok()?.to_string(),
                    d.get_i64("due_at").ok()?,
                ))
            }));
            if hi >= now {
                break;
            }
            lo = hi + 1;
            span = span.saturating_mul(4);
        }
        // Everything due below the first one found has been claimed, and
        // nothing becomes due in the past: the next look starts here.
        scan.floor = Some(found.first().map_or(now, |(_, due)| *due));
        Ok(found)
    }

    /// Whether anything is due: the cheap probe an idle worker polls.
    pub async fn any_due(&self, now: i64) -> StoreResult<bool> {
        let found = self
            .run(
                self.raw(MESSAGES)
                    .find_one(
                        doc! { "state": QueueState::Enqueued.as_str(), "due_at": { "$lte": now } },
                    )
                    .projection(doc! { "_id": 1 }),
            )
            .await?;
        Ok(found.is_some())
    }

    /// Makes messages whose claim's lease ran out (their worker died) due again.
    pub async fn recover_expired_leases(&self, now: i64) -> StoreResult<u64> {
        let res = self
            .run(self.raw(MESSAGES).update_many(
                doc! { "state": QueueState::Delivering.as_str(), "lease_until": { "$lt": now } },
                released(now),
            ))
            .await?;
        Ok(res.modified_count)
    }

    /// Writes the results of several deliveries in one `update` command with
    /// a statement per message, each guarded by its claim token: one round
    /// trip and one request for a whole batch, where one `update_one` each
    /// costs the store several times as much. Returns how many claims were
    /// still held (a claim is lost when its lease ran out and another worker
    /// took the message; its statement then changes nothing).
    pub async fn finish_claims(&self, done: &[(&QueuedMessage, &str)]) -> StoreResult<u64> {
        if done.is_empty() {
            return Ok(0);
        }
        let mut updates = Vec::with_capacity(done.len());
        for (message, token) in done {
            let mut set = unclaimed(message.state, message.due_at);
            set.insert("recipients", mongodb::bson::to_bson(&message.recipients)?);
            set.insert("attempts", message.attempts);
            updates.push(doc! {
                "q": { "_id": &message.id, "claim_token": *token },
                "u": { "$set": set },
            });
        }
        // The results need not wait for the journal. If the store loses them
        // in a crash, the claim's lease runs out and the message is delivered
        // again: at least once, never lost, as with Postfix, which does not
        // sync the removal of a delivered queue file either. What must
        // survive is journaled before this: the queue document itself, each
        // mailbox entry (whose fixed id makes a second delivery a no-op) and
        // each bounce. This saves a journal flush per message.
        let mut wc = self.database().write_concern().cloned().unwrap_or_default();
        wc.journal = Some(false);
        let command = doc! {
            "update": MESSAGES,
            "updates": updates,
            "ordered": false,
            // A command run as such does not inherit the client's write concern.
            "writeConcern": mongodb::bson::to_document(&wc)?,
        };
        let reply = self.run(self.database().run_command(command)).await?;
        let first_error = reply
            .get_array("writeErrors")
            .ok()
            .and_then(|errors| errors.first())
            .and_then(Bson::as_document)
            .or_else(|| reply.get_document("writeConcernError").ok());
        if let Some(e) = first_error {
            let why = e.get_str("errmsg").unwrap_or("write failed");
            return Err(StoreError::Other(why.to_string()));
        }
        match super::integer(&reply, "n") {
            Some(n) => Ok(u64::try_from(n).unwrap_or(0)),
            None => Err(StoreError::Other("update reply without a count".into())),
        }
    }

    /// Gives a claimed message back unchanged (shutdown before it was done).
    pub async fn release_claim(&self, id: &str, token: &str, now: i64) -> StoreResult<bool> {
        let res = self
            .run(self.raw(MESSAGES).update_one(
                doc! { "_id": id, "claim_token": token, "state": QueueState::Delivering.as_str() },
                released(now),
            ))
            .await?;
        Ok(res.modified_count == 1)
    }

    /// Makes a waiting message due now (`mismoctl queue retry`).
    pub async fn retry_now(&self, id: &str, now: i64) -> StoreResult<bool> {
        let res = self
            .run(self.raw(MESSAGES).update_one(
                doc! { "_id": id, "state": QueueState::Enqueued.as_str() },
                doc! { "$set": { "due_at": now } },
            ))
            .await?;
        Ok(res.matched_count == 1)
    }

    /// Removes a queue document that no worker holds. Its bytes stay, since
    /// delivered mailbox entries may share them.
    pub async fn delete_queued(&self, id: &str) -> StoreResult<bool> {
        let res = self
            .run(self.raw(MESSAGES).delete_one(
                doc! { "_id": id, "state": { "$ne": QueueState::Delivering.as_str() } },
            ))
            .await?;
        Ok(res.deleted_count == 1)
    }

    /// How many queue documents are in each state.
    pub async fn queue_counts(&self) -> StoreResult<QueueCounts> {
        let cursor = self
            .run(self.raw(MESSAGES).aggregate(vec![
                doc! { "$group": { "_id": "$state", "n": { "$sum": 1 } } },
            ]))
            .await?;
        let groups: Vec<mongodb::bson::Document> = self.run(cursor.try_collect()).await?;
        let mut counts: QueueCounts = groups
            .iter()
            .filter_map(|g| {
                let state = g.get_str("_id").ok()?.to_string();
                let n = super::integer(g, "n")?;
                Some((state, n))
            })
            .collect();
        counts.sort();
        Ok(counts)
    }

    /// What happened since `since` (ms): messages accepted, and recipients
    /// whose status changed to delivered, deferred or failed (bounced).
    /// Counted in the store, on the received_at and recipients.updated_at
    /// indexes.
    pub async fn traffic_since(&self, since: i64) -> StoreResult<Traffic> {
        let accepted = self
            .run(
                self.raw(MESSAGES)
                    .count_documents(doc! { "received_at": { "$gte": since } }),
            )
            .await?;
        let pipeline = vec![
            doc! { "$match": { "recipients.updated_at": { "$gte": since } } },
            doc! { "$unwind": "$recipients" },
            doc! { "$match": { "recipients.updated_at": { "$gte": since } } },
            doc! { "$group": { "_id": "$recipients.status", "n": { "$sum": 1 } } },
        ];
        let cursor = self.run(self.raw(MESSAGES).aggregate(pipeline)).await?;
        let groups: Vec<mongodb::bson::Document> = self.run(cursor.try_collect()).await?;
        let mut traffic = Traffic {
            accepted,
            ..Traffic::default()
        };
        for g in &groups {
            let n = super::integer(g, "n")
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0);
            match g.get_str("_id") {
                Ok("delivered") => traffic.delivered = n,
                Ok("deferred") => traffic.deferred = n,
                Ok("failed") => traffic.bounced = n,
                _ => {}
            }
        }
        Ok(traffic)
    }
}

/// Mail over a period (see [`Store::traffic_since`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Traffic {
    pub accepted: u64,
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
}

/// The update that gives a claimed message back to the queue, due `now`:
/// a claim released, or one whose lease ran out.
fn released(now: i64) -> Document {
    doc! { "$set": unclaimed(QueueState::Enqueued, now) }
}

/// The fields of a message held by nobody, in `state`, due at `due_at`:
/// how every claim ends.
fn unclaimed(state: QueueState, due_at: i64) -> Document {
    doc! {
        "state": state.as_str(),
        "claim_token": null,
        "lease_until": null,
        "due_at": due_at,
    }
}
