//! Waiting for the signals that stop a service.
//!
//! The handlers are installed once, as the service starts ([`install`]), and
//! the stop is remembered: a SIGTERM that comes while the service is still
//! connecting to the store, or between one wait and the next, is never lost
//! and never kills the process with the default action.

use std::sync::OnceLock;

use tokio::sync::watch;

static STOP: OnceLock<watch::Receiver<bool>> = OnceLock::new();

/// Installs the SIGINT and SIGTERM handlers now (call from within the
/// runtime, before anything slow).
pub fn install() {
    receiver();
}

fn receiver() -> watch::Receiver<bool> {
    STOP.get_or_init(|| {
        let (tx, rx) = watch::channel(false);
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            // Registered here, synchronously, not when first polled.
            let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
            let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
            tokio::spawn(async move {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
                let _ = tx.send(true);
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            let _ = tx.send(true);
        });
        rx
    })
    .clone()
}

/// Resolves once SIGINT or SIGTERM has come, at once if it already has.
pub async fn signal() {
    let mut rx = receiver();
    let _ = rx.wait_for(|stopped| *stopped).await;
}
