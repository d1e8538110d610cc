//! Ports for test servers that nothing else can take.
//!
//! Asking the kernel for a free port (bind port 0, close) hands out a port in
//! the ephemeral range, and any outgoing connection may be given that same
//! port before the test's server binds it: "Address already in use", one run
//! in many. Ports below the ephemeral range are never handed to outgoing
//! connections, so the only rivals left are other tests; a lock file per port,
//! held until this process exits, keeps those apart across test binaries.

use std::fs::File;
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// Below Linux's default `ip_local_port_range` (32768-60999) and above the
/// well-known and most registered service ports that a machine may run.
const FIRST: u32 = 20_000;
const LAST: u32 = 32_000;

/// A port reserved for this test process: below the ephemeral range, free
/// when reserved, and handed to no other test process while this one runs.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let span = LAST - FIRST;
    // Processes start at different places, so they rarely meet.
    let seed = std::process::id().wrapping_mul(2_654_435_761) % span;
    for _ in 0..span {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (FIRST + (seed + n) % span) as u16;
        if reserve(port) {
            return port;
        }
    }
    panic!("no free test port between {FIRST} and {LAST}");
}

fn lock_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("mismo-test-ports");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn reserve(port: u16) -> bool {
    let Ok(file) = File::create(lock_dir().join(format!("{port}.lock"))) else {
        return false;
    };
    // SAFETY: flock on a descriptor this function owns.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    if !locked {
        return false;
    }
    // Nothing may listen on it on any loopback address (smtp-sink and BIND9
    // bind 127.0.0.2 and up), so ask for the wildcard address.
    if TcpListener::bind(("0.0.0.0", port)).is_err() {
        return false;
    }
    // The lock lasts as long as this process: the descriptor is never closed.
    std::mem::forget(file);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_and_below_the_ephemeral_range() {
        let ports: Vec<u16> = (0..50).map(|_| free_port()).collect();
        let mut unique = ports.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ports.len());
        assert!(ports.iter().all(|&p| (FIRST..LAST).contains(&u32::from(p))));
        // Each is bindable, and another process could not reserve it.
        for &p in &ports[..5] {
            TcpListener::bind(("127.0.0.1", p)).expect("free");
            let f = File::create(lock_dir().join(format!("{p}.lock"))).unwrap();
            let other = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            // flock locks belong to the open file, so a second open in this
            // process is refused exactly as another process would be.
            assert_ne!(other, 0, "port {p} lock not held");
        }
    }
}
