//! File descriptors: the limit raised at start-up, and one kept in reserve
//! so that a process that runs out can still turn a waiting client away
//! instead of leaving it in the backlog until it times out.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The spare descriptor (an open `/dev/null`).
static SPARE: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Raises the soft RLIMIT_NOFILE to the hard one (a default soft limit of
/// 1024 is far below what a mail server with a thousand clients needs) and
/// opens the spare descriptor. Returns the soft limit now in force.
pub fn prepare() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `limit`.
    let soft = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        // An unlimited hard limit still stops at the kernel's nr_open.
        let target = if limit.rlim_max == libc::RLIM_INFINITY {
            std::fs::read_to_string("/proc/sys/fs/nr_open")
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(1 << 20)
        } else {
            limit.rlim_max
        };
        if limit.rlim_cur < target {
            let raised = libc::rlimit {
                rlim_cur: target,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = target;
            }
        }
        limit.rlim_cur
    };
    refill();
    soft
}

/// True for the errors that mean "no descriptor left" (per process or
/// system-wide).
pub fn exhausted(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// Runs `f` with the spare descriptor closed, so that `f` can open one
/// (accept a connection), then takes the spare back if a descriptor is free.
pub fn with_spare<T>(f: impl FnOnce() -> T) -> T {
    drop(SPARE.lock().expect("spare descriptor").take());
    let out = f();
    refill();
    out
}

fn refill() {
    let mut spare = SPARE.lock().expect("spare descriptor");
    if spare.is_none() {
        *spare = std::fs::File::open("/dev/null").ok();
    }
}

/// Says an accept error in the log at most once per interval, with how many
/// were left unsaid: at EMFILE, accept fails for every waiting client, and a
/// line for each would flood the log and the disk.
pub struct ErrorLog {
    every: Duration,
    last: Option<Instant>,
    unsaid: u64,
}

impl ErrorLog {
    pub fn new(every: Duration) -> Self {
        Self {
            every,
            last: None,
            unsaid: 0,
        }
    }

    /// Whether to log this error now, and how many went unlogged before it.
    pub fn note(&mut self, now: Instant) -> Option<u64> {
        match self.last {
            Some(last) if now.duration_since(last) < self.every => {
                self.unsaid += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.unsaid))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_logged_once_per_interval_with_a_count_of_the_rest() {
        let mut log = ErrorLog::new(Duration::from_secs(10));
        let t = Instant::now();
        assert_eq!(log.note(t), Some(0));
        for n in 1..=1000 {
            assert_eq!(log.note(t + Duration::from_millis(n)), None);
        }
        assert_eq!(log.note(t + Duration::from_secs(10)), Some(1000));
        assert_eq!(log.note(t + Duration::from_secs(11)), None);
    }

    #[test]
    fn only_running_out_of_descriptors_counts_as_exhausted() {
        assert!(exhausted(&std::io::Error::from_raw_os_error(libc::EMFILE)));
        assert!(exhausted(&std::io::Error::from_raw_os_error(libc::ENFILE)));
        assert!(!exhausted(&std::io::Error::from_raw_os_error(
            libc::ECONNABORTED
        )));
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let soft = prepare();
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes `limit`.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        assert_eq!(soft, limit.rlim_cur);
        assert!(limit.rlim_cur == limit.rlim_max || limit.rlim_max == libc::RLIM_INFINITY);
        assert!(SPARE.lock().unwrap().is_some());
    }
}
