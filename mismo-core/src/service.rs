//! Start-up shared by every long-running service: logging, settings, store.

use std::time::Duration;

use crate::config::{load_or_exit, FromEnv, StoreSettings};
use crate::Store;

/// Every service binary, as deployment files and process lists name them.
pub const SERVICES: [&str; 6] = [
    "smtp-engine",
    "qprocessor",
    "pop3d",
    "imapd",
    "admin-console",
    "webmail",
];

/// Caps the allocator's arenas, answers `--help` and `--version`, sets up
/// logging and reads the settings, exiting with a message naming the
/// variable if one is malformed.
pub fn settings<T: FromEnv>(service: &'static str) -> T {
    crate::memory::limit_arenas();
    crate::config::usage::handle_command_line::<T>(service);
    crate::shutdown::install();
    crate::telemetry::init(service);
    let descriptors = crate::server::descriptors::prepare();
    tracing::debug!(descriptors, "open file limit");
    load_or_exit(service)
}

/// Connects to the store and creates the schema, retrying while the store is
/// not up yet (services may start before it). Returns `None` if a stop signal
/// arrives first.
pub async fn connect_store(settings: &StoreSettings) -> Option<Store> {
    let mut delay = Duration::from_millis(250);
    let stop = crate::shutdown::signal();
    tokio::pin!(stop);
    loop {
        let attempt = async {
            let store = Store::connect(settings).await?;
            store.ensure_schema().await?;
            Ok::<_, crate::StoreError>(store)
        };
        // A stop is heard during an attempt too, not only between them.
        let result = tokio::select! {
            r = attempt => r,
            _ = &mut stop => return None,
        };
        match result {
            Ok(store) => {
                tracing::info!(database = %settings.database, "store ready");
                return Some(store);
            }
            Err(e) => {
                tracing::warn!("{e}; retrying in {} ms", delay.as_millis());
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = &mut stop => return None,
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Binds a listening socket, or stops the process naming the setting.
pub async fn bind(service: &str, var: &str, addr: std::net::SocketAddr) -> tokio::net::TcpListener {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => fail(service, &format!("{var} {addr}: {e}")),
    }
}

/// Stops the process at start-up with a message (exit status 1).
pub fn fail(service: &str, message: &str) -> ! {
    tracing::error!("{message}");
    eprintln!("{service}: {message}");
    std::process::exit(1);
}
