//! A Mismo binary started for a test, with its log kept for the failure message.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::wait_for_port;

pub struct Service {
    child: Child,
    log: PathBuf,
    name: String,
}

impl Service {
    /// Starts a listening service (smtp-engine, pop3d) with `env` in `dir`
    /// and waits until it serves: `ready` accepts and the log says
    /// `serving` (until the store answers, its ports only refuse clients).
    pub fn start(
        binary: &str,
        env: &[(String, String)],
        dir: &std::path::Path,
        ready: SocketAddr,
    ) -> Self {
        let service = Self::listening(binary, env, dir, ready);
        let start = Instant::now();
        while !service.log_text().contains(" serving") {
            if start.elapsed() > Duration::from_secs(30) {
                panic!("{} never served:\n{}", service.name, service.log_text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        service
    }

    /// Starts `binary` with `env` in `dir` and waits until `ready` accepts,
    /// whether or not it serves yet.
    pub fn listening(
        binary: &str,
        env: &[(String, String)],
        dir: &std::path::Path,
        ready: SocketAddr,
    ) -> Self {
        let mut service = Self::spawn(binary, env, dir);
        if !wait_for_port(ready, Duration::from_secs(30)) {
            panic!(
                "{} did not listen on {ready}:\n{}",
                service.name,
                service.log_text()
            );
        }
        if let Ok(Some(status)) = service.child.try_wait() {
            panic!(
                "{} exited with {status}:\n{}",
                service.name,
                service.log_text()
            );
        }
        service
    }

    /// Starts `binary` with `env` in `dir`, for a service that listens nowhere.
    pub fn spawn(binary: &str, env: &[(String, String)], dir: &std::path::Path) -> Self {
        Self::spawn_with_files(binary, env, dir, None)
    }

    /// As [`Service::spawn`], with both the soft and the hard limit of open
    /// files set to `files` (as `prlimit --nofile=N:N` would).
    pub fn spawn_with_files(
        binary: &str,
        env: &[(String, String)],
        dir: &std::path::Path,
        files: Option<u64>,
    ) -> Self {
        let name = std::path::Path::new(binary)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        static STARTED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log = dir.join(format!("{name}-{n}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(binary);
        cmd.current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "info")
            .envs(env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out);
        #[cfg(target_os = "linux")]
        unsafe {
            use std::os::unix::process::CommandExt;
            // SAFETY: prctl and setrlimit are async-signal-safe; the service
            // dies with the test.
            cmd.pre_exec(move || {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                if let Some(n) = files {
                    let limit = libc::rlimit {
                        rlim_cur: n,
                        rlim_max: n,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {binary}: {e}"));
        Self { child, log, name }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// CPU time the process has used so far (user and system).
    pub fn cpu_time(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the command name, which is in parentheses and may
        // hold spaces: utime and stime are the 12th and 13th of them.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<u64> = rest
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|f| f.parse().ok())
            .collect();
        // SAFETY: sysconf only reads a configuration value.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
        Duration::from_millis(fields.iter().sum::<u64>() * 1000 / hz)
    }

    /// How many descriptors the process has open.
    pub fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).map_or(0, |d| d.count())
    }

    pub fn signal(&self, signal: i32) {
        unsafe {
            libc::kill(self.pid(), signal);
        }
    }

    /// Waits for the process to exit, up to `limit`.
    pub fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` over HTTP/1.0; the status code and body.
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s =
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: test\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}
