//! Waiting for work while there is none.
//!
//! An idle qprocessor opens a change stream on the queue, so a new message
//! wakes it at once, and closes it again when it goes back to work: the
//! embedded store decodes every queue write for each open stream, which a
//! busy qprocessor does not need. Polling stays as the fallback: for servers
//! without change streams, for a stream that broke, and for messages that
//! become due by time (retries, expired leases).

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use mismo_core::model::now_ms;

use crate::context::Context;

/// How often an idle qprocessor looks for work that became due by time, or
/// for new work where no change stream tells it (a cheap indexed probe).
const PROBE: Duration = Duration::from_millis(500);

#[derive(Default)]
pub struct Idle {
    /// Whether the way new mail is noticed has been logged.
    said: Option<bool>,
}

impl Idle {
    /// Nothing was due: wait up to QUEUE_CYCLE_PERIOD, but return at once
    /// when new mail arrives or the probe sees due work. False if a stop
    /// signal came.
    pub async fn wait(
        &mut self,
        ctx: &Context,
        stop: &mut Pin<&mut impl Future<Output = ()>>,
    ) -> bool {
        let until = Instant::now() + ctx.settings.cycle_period;
        // Opened before the look below, so nothing queued in between goes
        // unnoticed. Each store call gives way to a stop, however long the
        // store takes.
        let opened = tokio::select! {
            opened = ctx.store.watch_new_mail() => opened,
            _ = stop.as_mut() => return false,
        };
        let mut stream = match opened {
            Ok(s) => {
                if self.said != Some(true) {
                    tracing::info!("new mail wakes idle workers through a change stream");
                    self.said = Some(true);
                }
                Some(s)
            }
            Err(e) => {
                if self.said != Some(false) {
                    tracing::info!("no change stream ({e}); polling for new mail");
                    self.said = Some(false);
                }
                None
            }
        };
        loop {
            let due = tokio::select! {
                due = ctx.store.any_due(now_ms()) => due,
                _ = stop.as_mut() => return false,
            };
            match due {
                Ok(true) => return true,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!("probing the queue: {e}");
                    return true;
                }
            }
            if Instant::now() >= until {
                return true;
            }
            let event = async {
                match stream.as_mut() {
                    Some(s) => s.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                event = event => match event {
                    Some(Ok(_)) => return true,
                    // Broken: poll for the rest of this wait.
                    _ => stream = None,
                },
                _ = tokio::time::sleep(PROBE) => {}
                _ = stop.as_mut() => return false,
            }
        }
    }
}
