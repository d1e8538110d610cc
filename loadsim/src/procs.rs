//! Memory and CPU of the Mismo processes during the run, read from /proc:
//! each one's peak resident set (the kernel's VmHWM), the largest sum of
//! their resident sets seen at one moment, and the CPU time each used.

use std::sync::Mutex;

use mismo_core::service::SERVICES;

pub struct Watched {
    pub name: String,
    pub pid: i32,
    cpu_start: f64,
    state: Mutex<State>,
}

#[derive(Default, Clone, Copy)]
struct State {
    peak_kb: u64,
    cpu_end: f64,
    rss_kb: u64,
}

/// What one process came to.
pub struct Usage {
    pub name: String,
    pub pid: i32,
    pub peak_mb: f64,
    pub cpu_seconds: f64,
}

impl Watched {
    pub fn new(name: String, pid: i32) -> Option<Self> {
        let cpu = cpu_seconds(pid)?;
        Some(Self {
            name,
            pid,
            cpu_start: cpu,
            state: Mutex::new(State {
                cpu_end: cpu,
                ..State::default()
            }),
        })
    }

    /// Reads the process's figures now; its resident set in kB (0 once gone).
    pub fn sample(&self) -> u64 {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match (memory_kb(self.pid), cpu_seconds(self.pid)) {
            (Some((rss, hwm)), Some(cpu)) => {
                s.peak_kb = s.peak_kb.max(hwm).max(rss);
                s.rss_kb = rss;
                s.cpu_end = cpu;
            }
            _ => s.rss_kb = 0,
        }
        s.rss_kb
    }

    pub fn usage(&self) -> Usage {
        let s = *self.state.lock().unwrap_or_else(|e| e.into_inner());
        Usage {
            name: self.name.clone(),
            pid: self.pid,
            peak_mb: s.peak_kb as f64 / 1024.0,
            cpu_seconds: s.cpu_end - self.cpu_start,
        }
    }
}

/// The processes named, or every running process with a service's name.
pub fn find(named: &[(String, i32)]) -> Vec<Watched> {
    let chosen: Vec<(String, i32)> = if named.is_empty() {
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            if SERVICES.contains(&comm.trim()) {
                found.push((comm.trim().to_string(), pid));
            }
        }
        found.sort();
        found
    } else {
        named.to_vec()
    };
    chosen
        .into_iter()
        .filter_map(|(name, pid)| Watched::new(name, pid))
        .collect()
}

/// (VmRSS, VmHWM) in kB.
fn memory_kb(pid: i32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// User and system CPU seconds so far.
fn cpu_seconds(pid: i32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which may itself hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf reads a constant of the system; no memory is touched.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1);
    Some(ticks as f64 / per_second as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_can_be_measured() {
        let me = Watched::new("self".into(), std::process::id() as i32).unwrap();
        let work: u64 = (0..5_000_000u64).map(|n| n ^ (n >> 3)).sum();
        assert!(work > 0);
        assert!(me.sample() > 0);
        let u = me.usage();
        assert!(u.peak_mb > 1.0 && u.cpu_seconds >= 0.0);
    }

    #[test]
    fn a_process_that_is_not_there_is_left_out() {
        assert!(Watched::new("gone".into(), i32::MAX).is_none());
    }
}
