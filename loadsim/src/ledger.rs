//! What the run saw, shared by the clients and the readers: each accepted
//! message with when it was accepted and how many copies are due, each copy
//! found, and every error. Times are seconds since the run began.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Instant;

use crate::message::Copy;

/// An accepted message.
struct Accepted {
    /// When the 250 came.
    at: f64,
    /// Copies due, one per mailbox the recipients expand to.
    due: u32,
    /// Copies found so far.
    found: u32,
}

/// What went wrong, by kind, for the final table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// A client could not connect, start TLS, log in or send: any reply
    /// other than the expected 2xx/3xx, or a broken connection.
    Submission,
    /// A reader's session failed.
    Reading,
    /// A copy whose body did not match its checksum, or carried no id.
    Corrupt,
    /// A copy found twice in one mailbox, or one nobody sent.
    Unexpected,
}

#[derive(Default)]
struct Inner {
    accepted: HashMap<u64, Accepted>,
    /// (message, mailbox) pairs found: a second find is a duplicate.
    copies: HashSet<(u64, u32)>,
    /// Copies found before their message's 250 was recorded (the reader can
    /// be that quick): their times, settled when the 250 is recorded.
    early: HashMap<u64, Vec<f64>>,
    /// (time of the 250, end-of-DATA to 250 in ms)
    replies: Vec<(f64, f64)>,
    /// (time found, 250 to found in ms)
    reads: Vec<(f64, f64)>,
    bytes: u64,
    /// Copies due and found, over all accepted messages: kept as they
    /// change, since the progress bar asks five times a second.
    due: u64,
    found: u64,
    /// When the last copy was read.
    last_read: f64,
    /// Logins the servers asked to come back later (and were retried).
    waits: u64,
    faults: HashMap<Fault, u64>,
    /// The first few faults in words, for the report.
    examples: Vec<String>,
}

pub struct Ledger {
    start: Instant,
    inner: Mutex<Inner>,
}

/// Totals at one moment, for the progress bar and the report.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub accepted: u64,
    pub bytes: u64,
    pub due: u64,
    pub found: u64,
    pub faults: u64,
}

impl Default for Ledger {
    fn default() -> Self {
        Self {
            start: Instant::now(),
            inner: Mutex::default(),
        }
    }
}

impl Ledger {
    /// Seconds since the run began.
    pub fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// A 250 for message `id`, `eod_ms` after its end of data.
    pub fn accepted(&self, id: u64, bytes: usize, due: u32, eod_ms: f64) {
        let at = self.now();
        let mut inner = self.lock();
        inner.replies.push((at, eod_ms));
        inner.bytes += bytes as u64;
        let early = inner.early.remove(&id).unwrap_or_default();
        for found_at in &early {
            inner
                .reads
                .push((*found_at, 0f64.max(found_at - at) * 1000.0));
        }
        inner.due += u64::from(due);
        inner.found += early.len() as u64;
        inner.accepted.insert(
            id,
            Accepted {
                at,
                due,
                found: early.len() as u32,
            },
        );
    }

    /// A reader found an intact copy of `id` in mailbox number `mailbox`,
    /// at `at` (it counts it once it has removed it from the mailbox).
    pub fn found(&self, id: u64, mailbox: u32, at: f64) {
        let mut inner = self.lock();
        if !inner.copies.insert((id, mailbox)) {
            drop(inner);
            return self.fault(
                Fault::Unexpected,
                format!("message {id} twice in mailbox {mailbox}"),
            );
        }
        inner.last_read = inner.last_read.max(at);
        match inner.accepted.get_mut(&id) {
            Some(m) => {
                m.found += 1;
                let latency = (at - m.at).max(0.0) * 1000.0;
                inner.reads.push((at, latency));
                inner.found += 1;
            }
            None => inner.early.entry(id).or_default().push(at),
        }
    }

    /// What a reader took out of `mailbox` over `protocol`: each copy with
    /// when it was read.
    pub fn read(&self, protocol: &str, mailbox: u32, copies: Vec<(f64, Copy)>) {
        for (at, copy) in copies {
            match copy {
                Copy::Intact(id) => self.found(id, mailbox, at),
                Copy::Corrupt(id) => self.fault(
                    Fault::Corrupt,
                    format!("{protocol} copy {id:?} in mailbox {mailbox}"),
                ),
            }
        }
    }

    /// A server asked a reader to come back later; it will.
    pub fn told_to_wait(&self) {
        self.lock().waits += 1;
    }

    pub fn waits(&self) -> u64 {
        self.lock().waits
    }

    pub fn fault(&self, kind: Fault, what: String) {
        let mut inner = self.lock();
        *inner.faults.entry(kind).or_default() += 1;
        if inner.examples.len() < 10 {
            inner.examples.push(format!("{kind:?}: {what}"));
        }
    }

    pub fn totals(&self) -> Totals {
        let inner = self.lock();
        Totals {
            accepted: inner.accepted.len() as u64,
            bytes: inner.bytes,
            due: inner.due,
            found: inner.found,
            faults: inner.faults.values().sum(),
        }
    }

    /// Accepted messages with copies still missing, and the copies missing.
    pub fn missing(&self) -> (u64, u64) {
        let inner = self.lock();
        inner
            .accepted
            .values()
            .filter(|m| m.found < m.due)
            .fold((0, 0), |(n, c), m| (n + 1, c + u64::from(m.due - m.found)))
    }

    /// Copies due and not found yet.
    pub fn copies_missing(&self) -> u64 {
        let inner = self.lock();
        inner.due - inner.found
    }

    /// When the last copy was read (0 before any).
    pub fn last_read(&self) -> f64 {
        self.lock().last_read
    }

    /// Copies found whose message was never accepted (counted at the end:
    /// until then the 250 may still be on its way).
    pub fn strays(&self) -> u64 {
        self.lock().early.values().map(|v| v.len() as u64).sum()
    }

    pub fn faults(&self) -> Vec<(Fault, u64)> {
        let mut f: Vec<_> = self.lock().faults.iter().map(|(k, v)| (*k, *v)).collect();
        f.sort();
        f
    }

    pub fn examples(&self) -> Vec<String> {
        self.lock().examples.clone()
    }

    /// (time, end-of-DATA to 250 ms) for every accepted message.
    pub fn replies(&self) -> Vec<(f64, f64)> {
        self.lock().replies.clone()
    }

    /// (time, 250 to readable ms) for every copy found.
    pub fn reads(&self) -> Vec<(f64, f64)> {
        self.lock().reads.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panicking task cannot leave the ledger half-updated in a way
        // that matters more than losing the whole report.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_counted_against_what_is_due() {
        let l = Ledger::default();
        l.accepted(1, 100, 2, 3.0);
        l.found(1, 10, l.now());
        assert_eq!(l.missing(), (1, 1));
        assert_eq!(l.copies_missing(), 1);
        l.found(1, 11, l.now());
        assert_eq!(l.missing(), (0, 0));
        assert_eq!(l.copies_missing(), 0);
        let t = l.totals();
        assert_eq!(
            (t.accepted, t.bytes, t.due, t.found, t.faults),
            (1, 100, 2, 2, 0)
        );
        assert_eq!(l.reads().len(), 2);
    }

    #[test]
    fn a_copy_found_twice_in_one_mailbox_is_a_fault() {
        let l = Ledger::default();
        l.accepted(1, 100, 2, 3.0);
        l.found(1, 10, l.now());
        l.found(1, 10, l.now());
        assert_eq!(l.faults(), vec![(Fault::Unexpected, 1)]);
        assert_eq!(l.missing(), (1, 1));
    }

    #[test]
    fn a_copy_found_before_its_250_is_settled_when_the_250_comes() {
        let l = Ledger::default();
        l.found(5, 1, l.now());
        assert_eq!(l.strays(), 1);
        l.accepted(5, 10, 1, 1.0);
        assert_eq!(l.strays(), 0);
        assert_eq!(l.missing(), (0, 0));
        assert_eq!(l.copies_missing(), 0);
        assert_eq!(l.reads()[0].1, 0.0);
    }
}
