//! DKIM-signing outbound mail of local domains before it is relayed: only
//! what an authenticated user submitted. Mail that came in on the MX port
//! and leaves again (a forwarding alias) keeps the signatures it came with;
//! signing it would make Mismo vouch for whatever a stranger wrote.

use std::borrow::Cow;

use mismo_core::model::address::Address;
use mismo_core::model::QueuedMessage;

use crate::context::Context;
use crate::local;

/// The message with a DKIM-Signature on top when an authenticated user
/// submitted it and its envelope sender is in a local domain; as it is
/// otherwise, or if signing fails (an unsigned message still goes out; the
/// failure is logged).
pub async fn sign_if_submitted<'a>(
    ctx: &Context,
    message: &QueuedMessage,
    bytes: &'a [u8],
) -> Cow<'a, [u8]> {
    if message.origin.auth_user.is_none() {
        return Cow::Borrowed(bytes);
    }
    let Ok(sender) = Address::parse(&message.mail_from) else {
        return Cow::Borrowed(bytes);
    };
    let domain = sender.domain();
    if !matches!(local::is_local(&ctx.directory, domain).await, Ok(true)) {
        return Cow::Borrowed(bytes);
    }
    let key = match ctx.directory.dkim_key(domain).await {
        Ok(key) => key,
        Err(e) => {
            tracing::warn!(%domain, "no DKIM key: {e}");
            return Cow::Borrowed(bytes);
        }
    };
    match key.sign(bytes) {
        Ok(header) => {
            let mut signed = Vec::with_capacity(header.len() + bytes.len());
            signed.extend_from_slice(header.as_bytes());
            signed.extend_from_slice(bytes);
            Cow::Owned(signed)
        }
        Err(e) => {
            tracing::warn!(%domain, "{e}");
            Cow::Borrowed(bytes)
        }
    }
}
