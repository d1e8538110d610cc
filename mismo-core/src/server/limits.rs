//! Connection limits: in all and per client address. Per process: every
//! instance enforces its own share, as the load balancer spreads clients.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

pub struct Limits {
    max_total: u32,
    max_per_host: u32,
    connections: Mutex<HashMap<IpAddr, u32>>,
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
}
