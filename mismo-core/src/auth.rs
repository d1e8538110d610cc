//! Logins shared by SMTP AUTH, POP3 and webmail: the password check, and the
//! record of failed attempts per client address that slows guessing down.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::model::address::Address;
use crate::model::{Activation, Mailbox};
use crate::{password, Store, StoreResult};

/// The mailbox a login opens: right password, mailbox and domain enabled.
pub async fn login(store: &Store, user: &str, pass: &str) -> StoreResult<Option<Mailbox>> {
    let Ok(address) = Address::parse(user) else {
        return Ok(None);
    };
    let Some(mailbox) = store.get_mailbox(&address.to_string()).await? else {
        return Ok(None);
    };
    let domain_enabled = store
        .get_domain(&mailbox.domain)
        .await?
        .is_some_and(|d| d.state == Activation::Enabled);
    if mailbox.state != Activation::Enabled || !domain_enabled {
        return Ok(None);
    }
    let hash = mailbox.password_hash.clone();
    let pass = pass.to_string();
    // Argon2 takes tens of milliseconds of CPU: keep it off the I/O threads.
    let ok = tokio::task::spawn_blocking(move || password::verify(&pass, &hash))
        .await
        .unwrap_or(false);
    Ok(ok.then_some(mailbox))
}

/// Failed logins from one address within the window before it is refused.
pub const MAX_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(600);

/// Failed logins per client address (per process: each instance guards itself).
#[derive(Default)]
pub struct Failures {
    map: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl Failures {
    /// Records a failure; returns how many `ip` has in the window.
    pub fn record(&self, ip: IpAddr) -> u32 {
        let mut map = self.map.lock().expect("failures lock");
        let now = Instant::now();
        map.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        let entry = map.entry(ip).or_insert((0, now));
        entry.0 += 1;
        entry.0
    }

    pub fn blocked(&self, ip: IpAddr) -> bool {
        let map = self.map.lock().expect("failures lock");
        map.get(&ip)
            .is_some_and(|(n, since)| *n >= MAX_FAILURES && since.elapsed() < WINDOW)
    }

    /// How long to hold the answer to the `n`-th failure: more each time.
    pub fn delay(n: u32) -> Duration {
        Duration::from_millis(250 * u64::from(n.min(8)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_block_after_a_few() {
        let f = Failures::default();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        for n in 1..MAX_FAILURES {
            assert_eq!(f.record(a), n);
            assert!(!f.blocked(a));
        }
        f.record(a);
        assert!(f.blocked(a));
        assert!(!f.blocked("127.0.0.2".parse().unwrap()));
        assert!(Failures::delay(2) > Failures::delay(1));
    }
}
