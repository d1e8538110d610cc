//! How much one authenticated mailbox may send an hour, across every
//! engine's submission and webmail: the counts live in the store
//! ([`Store::take_sending`]), so spreading a stolen password over sessions
//! and nodes gains nothing.

use serde::Serialize;

use crate::store::Sent;
use crate::{Store, StoreResult};

/// SEND_LIMIT_MESSAGES_PER_HOUR and SEND_LIMIT_RECIPIENTS_PER_HOUR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SendLimits {
    pub messages_per_hour: u32,
    pub recipients_per_hour: u32,
}

impl Default for SendLimits {
    fn default() -> Self {
        Self {
            messages_per_hour: 200,
            recipients_per_hour: 1000,
        }
    }
}

/// Which allowance a send would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverLimit {
    pub what: Sent,
    pub per_hour: u32,
}

impl std::fmt::Display for OverLimit {
    /// The reason given to the sender, in SMTP's `450 4.7.1` and on
    /// webmail's page alike.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.what {
            Sent::Messages => "messages",
            Sent::Recipients => "recipients",
        };
        write!(
            f,
            "Sending limit reached: {} {what} an hour; try again later",
            self.per_hour
        )
    }
}

impl SendLimits {
    /// Counts one message from `mailbox`, or says which limit it passes.
    pub async fn take_message(
        &self,
        store: &Store,
        mailbox: &str,
    ) -> StoreResult<Result<(), OverLimit>> {
        self.take(store, mailbox, Sent::Messages, 1).await
    }

    /// Counts `count` recipients of `mailbox`'s, or says which limit they
    /// pass.
    pub async fn take_recipients(
        &self,
        store: &Store,
        mailbox: &str,
        count: u32,
    ) -> StoreResult<Result<(), OverLimit>> {
        self.take(store, mailbox, Sent::Recipients, count).await
    }

    async fn take(
        &self,
        store: &Store,
        mailbox: &str,
        what: Sent,
        count: u32,
    ) -> StoreResult<Result<(), OverLimit>> {
        let per_hour = match what {
            Sent::Messages => self.messages_per_hour,
            Sent::Recipients => self.recipients_per_hour,
        };
        Ok(
            if store.take_sending(mailbox, what, count, per_hour).await? {
                Ok(())
            } else {
                Err(OverLimit { what, per_hour })
            },
        )
    }
}
