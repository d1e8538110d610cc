//! Open SMTP connections kept between deliveries to the same host.
//!
//! When mail for one destination queues up, opening a connection per message
//! costs a TCP handshake, a greeting, EHLO (and STARTTLS) and QUIT each time,
//! on both sides. Like Postfix's connection cache (`smtp_connection_cache_on_
//! demand`), a connection that has just carried a message is parked here for
//! a short while and the next message for that address takes it. A parked
//! connection the server has meanwhile closed is noticed at MAIL FROM, and the
//! delivery opens a fresh one (see `relay.rs`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lettre::transport::smtp::client::AsyncSmtpConnection;

/// How long a parked connection waits for its next message (Postfix's
/// `smtp_connection_cache_time_limit`).
const IDLE_LIMIT: Duration = Duration::from_secs(2);
/// How long one connection is reused at all (Postfix's
/// `smtp_connection_reuse_time_limit`), so no session lasts for ever.
const REUSE_LIMIT: Duration = Duration::from_secs(300);
/// Connections parked per address at most; more are closed.
const PER_ADDRESS: usize = 64;

struct Parked {
    conn: AsyncSmtpConnection,
    esmtp: bool,
    opened: Instant,
    parked: Instant,
}

/// A connection taken from the cache or opened for one delivery.
pub struct Connection {
    pub conn: AsyncSmtpConnection,
    /// Greeted with EHLO; false after falling back to HELO, when MAIL and
    /// RCPT may carry no parameters at all.
    pub esmtp: bool,
    opened: Instant,
    /// Taken from the cache: it may have been closed by the server.
    pub reused: bool,
}

impl Connection {
    pub fn fresh(conn: AsyncSmtpConnection, esmtp: bool) -> Self {
        Self {
            conn,
            esmtp,
            opened: Instant::now(),
            reused: false,
        }
    }
}

#[derive(Clone, Default)]
pub struct ConnectionCache {
    parked: Arc<Mutex<HashMap<SocketAddr, Vec<Parked>>>>,
}

impl ConnectionCache {
    /// Starts the task that closes connections idle too long, politely.
    pub fn new() -> Self {
        let cache = Self::default();
        let sweeper = cache.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(IDLE_LIMIT / 2).await;
                for mut p in sweeper.expired() {
                    let _ = p.conn.quit().await;
                }
            }
        });
        cache
    }

    /// The most recently parked live connection to `addr`, if any.
    pub fn take(&self, addr: SocketAddr) -> Option<Connection> {
        let mut parked = self.parked.lock().expect("connection cache");
        let list = parked.get_mut(&addr)?;
        while let Some(p) = list.pop() {
            if p.parked.elapsed() < IDLE_LIMIT && !p.conn.has_broken() {
                return Some(Connection {
                    conn: p.conn,
                    esmtp: p.esmtp,
                    opened: p.opened,
                    reused: true,
                });
            }
        }
        None
    }

    /// Parks a connection that has just finished a transaction, or closes
    /// it if it is too old or the address has enough parked.
    pub async fn park(&self, addr: SocketAddr, mut c: Connection) {
        if c.opened.elapsed() < REUSE_LIMIT && !c.conn.has_broken() {
            let mut parked = self.parked.lock().expect("connection cache");
            let list = parked.entry(addr).or_default();
            if list.len() < PER_ADDRESS {
                list.push(Parked {
                    conn: c.conn,
                    esmtp: c.esmtp,
                    opened: c.opened,
                    parked: Instant::now(),
                });
                return;
            }
        }
        let _ = c.conn.quit().await;
    }

    fn expired(&self) -> Vec<Parked> {
        let mut parked = self.parked.lock().expect("connection cache");
        let mut out = Vec::new();
        for list in parked.values_mut() {
            let (keep, old): (Vec<Parked>, Vec<Parked>) = list
                .drain(..)
                .partition(|p| p.parked.elapsed() < IDLE_LIMIT);
            *list = keep;
            out.extend(old);
        }
        parked.retain(|_, list| !list.is_empty());
        out
    }
}
