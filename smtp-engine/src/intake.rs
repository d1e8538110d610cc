//! Turning an accepted message into an ENQUEUED queue document.

use mismo_core::model::{DsnRequest, NewMessage, Origin, Recipient};
use mismo_core::{Store, StoreResult};

use crate::session::Envelope;

/// Stores the message. Only when this returns `Ok` has the store
/// acknowledged both its bytes and its queue document.
pub async fn enqueue(store: &Store, envelope: Envelope, origin: Origin) -> StoreResult<String> {
    let recipients = envelope
        .recipients
        .into_iter()
        .map(|r| Recipient::pending(r.address, r.orcpt, r.notify))
        .collect();
    let new = NewMessage::new(envelope.id, envelope.mail_from, recipients, origin)
        .with_dsn(DsnRequest {
            ret: envelope.ret,
            envid: envelope.envid,
        })
        .declared_smtputf8(envelope.smtputf8);
    Ok(store.enqueue_new(new, &envelope.message).await?.id)
}
