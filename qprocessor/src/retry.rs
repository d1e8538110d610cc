//! When to try again after a temporary failure.

use std::time::Duration;

/// The delay after the `attempts`-th failed attempt (1-based): the schedule's
/// entries in turn, then its last entry again and again.
pub fn next_delay(schedule: &[Duration], attempts: i32) -> Duration {
    let i = usize::try_from(attempts.max(1) - 1).unwrap_or(0);
    schedule
        .get(i)
        .or(schedule.last())
        .copied()
        .unwrap_or(Duration::from_secs(300))
}

/// Whether a message received at `received_at` has been queued too long.
pub fn expired(received_at: i64, now: i64, lifetime: Duration) -> bool {
    now.saturating_sub(received_at) > i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_then_its_last_entry() {
        let s = [Duration::from_secs(1), Duration::from_secs(5)];
        assert_eq!(next_delay(&s, 1), Duration::from_secs(1));
        assert_eq!(next_delay(&s, 2), Duration::from_secs(5));
        assert_eq!(next_delay(&s, 9), Duration::from_secs(5));
        assert_eq!(next_delay(&s, 0), Duration::from_secs(1));
    }

    #[test]
    fn lifetime() {
        assert!(!expired(0, 1000, Duration::from_secs(1)));
        assert!(expired(0, 1001, Duration::from_secs(1)));
    }
}
