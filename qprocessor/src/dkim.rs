//! DKIM-signing outbound mail of local domains before it is relayed: only
//! what an authenticated user submitted. Mail that came in on the MX port
//! and leaves again (a forwarding alias) keeps the signatures it came with;
//! signing it would make Mismo vouch for whatever a stranger wrote.

use std::borrow::Cow;

use mismo_core::dkim::DkimKey;
use mismo_core::model::address::Address;
use mismo_core::model::QueuedMessage;

use crate::context::Context;
use crate::local;

/// The key to sign `message` with: its local domain's, when an
/// authenticated user submitted it with a sender in a local domain; `None`
/// otherwise, or if the key cannot be read (an unsigned message still goes
/// out; the failure is logged).
pub async fn key_for(ctx: &Context, message: &QueuedMessage) -> Option<DkimKey> {
    message.origin.auth_user.as_ref()?;
    let sender = Address::parse(&message.mail_from).ok()?;
    let domain = sender.domain();
    if !matches!(local::is_local(&ctx.directory, domain).await, Ok(true)) {
        return None;
    }
    match ctx.directory.dkim_key(domain).await {
        Ok(key) => Some(key),
        Err(e) => {
            tracing::warn!(%domain, "no DKIM key: {e}");
            None
        }
    }
}

/// `bytes` with a DKIM-Signature on top when there is a key; as they are
/// otherwise, or if signing fails (logged).
pub fn signed<'a>(key: Option<&DkimKey>, bytes: &'a [u8]) -> Cow<'a, [u8]> {
    let Some(key) = key else {
        return Cow::Borrowed(bytes);
    };
    match key.sign(bytes) {
        Ok(header) => {
            let mut signed = Vec::with_capacity(header.len() + bytes.len());
            signed.extend_from_slice(header.as_bytes());
            signed.extend_from_slice(bytes);
            Cow::Owned(signed)
        }
        Err(e) => {
            tracing::warn!(domain = %key.domain, "DKIM signing: {e}");
            Cow::Borrowed(bytes)
        }
    }
}
