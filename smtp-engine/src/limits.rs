//! Connection limits (SMTP_MAX_CLIENTS, SMTP_MAX_CLIENTS_PER_HOST) and the
//! record of failed logins per client address. Per engine: every engine
//! enforces its own share, as the load balancer spreads clients.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failed logins from one address within the window before it is refused.
pub const MAX_AUTH_FAILURES: u32 = 5;
const AUTH_FAILURE_WINDOW: Duration = Duration::from_secs(600);

pub struct Limits {
    max_total: u32,
    max_per_host: u32,
    connections: Mutex<HashMap<IpAddr, u32>>,
    auth_failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

/// Holds one connection slot until dropped.
pub struct Slot {
    limits: Arc<Limits>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.limits.connections.lock().expect("limits lock");
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

impl Limits {
    pub fn new(max_total: u32, max_per_host: u32) -> Arc<Self> {
        Arc::new(Self {
            max_total,
            max_per_host,
            connections: Mutex::new(HashMap::new()),
            auth_failures: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for a new connection from `ip`, or `None` when a limit is reached.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let mut map = self.connections.lock().expect("limits lock");
        let total: u32 = map.values().sum();
        let from_host = map.get(&ip).copied().unwrap_or(0);
        if total >= self.max_total || from_host >= self.max_per_host {
            return None;
        }
        *map.entry(ip).or_insert(0) += 1;
        Some(Slot {
            limits: Arc::clone(self),
            ip,
        })
    }

    /// Open connections in all, and the busiest hosts.
    pub fn snapshot(&self, top: usize) -> (u32, Vec<(IpAddr, u32)>) {
        let map = self.connections.lock().expect("limits lock");
        let mut hosts: Vec<(IpAddr, u32)> = map.iter().map(|(ip, n)| (*ip, *n)).collect();
        hosts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        hosts.truncate(top);
        (map.values().sum(), hosts)
    }

    /// Records a failed login; returns how many failures `ip` has in the window.
    pub fn auth_failed(&self, ip: IpAddr) -> u32 {
        let mut map = self.auth_failures.lock().expect("limits lock");
        let now = Instant::now();
        map.retain(|_, (_, since)| now.duration_since(*since) < AUTH_FAILURE_WINDOW);
        let entry = map.entry(ip).or_insert((0, now));
        entry.0 += 1;
        entry.0
    }

    pub fn auth_blocked(&self, ip: IpAddr) -> bool {
        let map = self.auth_failures.lock().expect("limits lock");
        map.get(&ip).is_some_and(|(n, since)| {
            *n >= MAX_AUTH_FAILURES && since.elapsed() < AUTH_FAILURE_WINDOW
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_host_and_total_limits() {
        let limits = Limits::new(3, 2);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let s1 = limits.admit(a).unwrap();
        let _s2 = limits.admit(a).unwrap();
        assert!(limits.admit(a).is_none(), "per host");
        let _s3 = limits.admit(b).unwrap();
        assert!(limits.admit(b).is_none(), "total");
        drop(s1);
        let _s4 = limits.admit(a).expect("slot freed");
        assert_eq!(limits.snapshot(10).0, 3);
    }

    #[test]
    fn auth_failures_block_after_a_few() {
        let limits = Limits::new(10, 10);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        for n in 1..MAX_AUTH_FAILURES {
            assert_eq!(limits.auth_failed(a), n);
            assert!(!limits.auth_blocked(a));
        }
        limits.auth_failed(a);
        assert!(limits.auth_blocked(a));
        assert!(!limits.auth_blocked("127.0.0.2".parse().unwrap()));
    }
}
