//! Turning an accepted message into an ENQUEUED queue document.

use mismo_core::model::{DsnRequest, NewMessage, Origin, QueuedMessage, Recipient};
use mismo_core::{Store, StoreError, StoreResult};

use crate::session::Envelope;

/// Stores the bytes, then the queue document that makes them a message. Only
/// when this returns `Ok` has the store acknowledged both.
pub async fn enqueue(store: &Store, envelope: Envelope, origin: Origin) -> StoreResult<String> {
    let (headers, attachments) = mismo_core::summary::summarize(&envelope.message);
    let blob = store.put_blob(&envelope.message).await?;
    let message = QueuedMessage::enqueued(NewMessage {
        id: envelope.id,
        mail_from: envelope.mail_from,
        recipients: envelope
            .recipients
            .into_iter()
            .map(|r| Recipient::pending(r.address, r.orcpt, r.notify))
            .collect(),
        blob,
        headers,
        attachments,
        origin,
        dsn: DsnRequest {
            ret: envelope.ret,
            envid: envelope.envid,
        },
        smtputf8: envelope.smtputf8,
    });
    match store.enqueue(&message).await {
        Ok(()) => Ok(message.id),
        Err(e @ StoreError::Unavailable(_)) => {
            // The write may still have landed: the bytes must stay in case it
            // did. At worst they are an unreferenced orphan.
            Err(e)
        }
        Err(e) => {
            let _ = store.delete_blob(&message.blob).await;
            Err(e)
        }
    }
}
