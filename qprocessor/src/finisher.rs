//! Writing delivery results back to the queue, many to a request.
//!
//! Every delivery ends with one guarded update of its queue document. Sent
//! one by one, those updates cost the store more than the deliveries cost
//! Mismo; gathered while earlier batches are being written (group commit, as
//! databases do for their journals), they cost one request per batch.
//! A delivery still waits for its own result to be acknowledged before it
//! counts as done.

use std::sync::Arc;

use mismo_core::model::QueuedMessage;
use mismo_core::{Store, StoreResult};
use tokio::sync::{mpsc, oneshot, Mutex};

/// Results written in one request at most.
const MAX_BATCH: usize = 256;
/// Batches in flight at once. The store flushes its journal once per
/// statement of a batch, but commits from concurrent requests share a flush;
/// a few writers keep both the batching and that sharing.
const WRITERS: usize = 4;

struct Done {
    message: QueuedMessage,
    token: String,
    written: oneshot::Sender<StoreResult<()>>,
}

pub struct Finisher {
    queue: mpsc::UnboundedSender<Done>,
}

impl Finisher {
    /// Starts the writers; they run until every `Finisher` handle is dropped.
    pub fn start(store: Store) -> Self {
        let (queue, pending) = mpsc::unbounded_channel::<Done>();
        let pending = Arc::new(Mutex::new(pending));
        for _ in 0..WRITERS {
            tokio::spawn(write_batches(store.clone(), Arc::clone(&pending)));
        }
        Self { queue }
    }

    /// Writes one delivery's results under its claim; `Ok` once the store
    /// has acknowledged them.
    pub async fn finish(&self, message: QueuedMessage, token: String) -> StoreResult<()> {
        let (written, result) = oneshot::channel();
        let done = Done {
            message,
            token,
            written,
        };
        if self.queue.send(done).is_err() {
            return Err(mismo_core::StoreError::Other(
                "result writer stopped".into(),
            ));
        }
        result.await.unwrap_or_else(|_| {
            Err(mismo_core::StoreError::Other(
                "result writer stopped".into(),
            ))
        })
    }
}

/// One writer: takes whatever results are waiting (up to a batch), writes
/// them in one request, tells each delivery, and goes again.
async fn write_batches(store: Store, pending: Arc<Mutex<mpsc::UnboundedReceiver<Done>>>) {
    let mut batch: Vec<Done> = Vec::new();
    loop {
        {
            let mut pending = pending.lock().await;
            let Some(first) = pending.recv().await else {
                return;
            };
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match pending.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
        }
        let claims: Vec<(&QueuedMessage, &str)> = batch
            .iter()
            .map(|d| (&d.message, d.token.as_str()))
            .collect();
        let result = store.finish_claims(&claims).await;
        if let Ok(held) = &result {
            let lost = batch.len().saturating_sub(*held as usize);
            if lost > 0 {
                // The lease ran out and another worker took the message: its
                // results are the ones that count.
                tracing::warn!("{lost} claim(s) lost before the results were written");
            }
        }
        for done in batch.drain(..) {
            let _ = done.written.send(result.clone().map(|_| ()));
        }
    }
}
