//! Postfix (Debian package `postfix`) as a receiving MTA: a private
//! instance with its own configuration, queue and log in a temporary
//! directory, listening on one loopback address, accepting mail for the
//! given domains and discarding it after logging it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Postfix {
    dir: tempfile::TempDir,
}

impl Postfix {
    /// Starts Postfix on `addr`, the final destination for `domains`.
    /// `settings` are extra `main.cf` lines ("name = value").
    pub fn start(addr: SocketAddr, domains: &[&str], settings: &[&str]) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("mismo-postfix-")
            .tempdir()
            .expect("temporary directory");
        let root = dir.path();
        let conf = root.join("conf");
        for sub in ["conf", "queue", "data"] {
            std::fs::create_dir_all(root.join(sub)).expect("postfix directories");
        }
        // Postfix's own processes run as user postfix: they need to reach
        // the queue and own the data directory.
        chmod(root, 0o755);
        run(Command::new("chown").arg("postfix").arg(root.join("data")));
        for file in ["main.cf", "master.cf"] {
            std::fs::copy(Path::new("/etc/postfix").join(file), conf.join(file))
                .expect("Postfix's default configuration (package postfix)");
        }
        let mut main = vec![
            format!("queue_directory = {}", root.join("queue").display()),
            format!("data_directory = {}", root.join("data").display()),
            format!("maillog_file = {}", root.join("maillog").display()),
            format!("maillog_file_prefixes = {}", root.display()),
            "inet_interfaces = all".into(),
            "inet_protocols = ipv4".into(),
            "myhostname = postfix.peer.test".into(),
            format!("mydestination = {}", domains.join(", ")),
            "local_transport = discard".into(),
            "default_transport = discard".into(),
            "local_recipient_maps =".into(),
            "mynetworks = 127.0.0.0/8".into(),
            "multi_instance_enable = no".into(),
        ];
        main.extend(settings.iter().map(|s| s.to_string()));
        run(Command::new("postconf")
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .args(&main));
        // master.cf: no chroot (there is none set up here), no listener on
        // port 25, one on `addr`.
        let master = std::fs::read_to_string(conf.join("master.cf")).unwrap();
        let mut lines: Vec<String> = master
            .lines()
            .map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                if line.starts_with(['#', ' ', '\t']) || fields.len() < 8 {
                    line.to_string()
                } else if fields[0] == "smtp" && fields[1] == "inet" {
                    format!("#{line}")
                } else {
                    let mut fields = fields;
                    fields[4] = "n";
                    fields.join("  ")
                }
            })
            .collect();
        lines.push(format!("{addr} inet n - n - - smtpd"));
        std::fs::write(conf.join("master.cf"), lines.join("\n") + "\n").unwrap();
        run(Command::new("postfix").arg("-c").arg(&conf).arg("start"));
        let peer = Self { dir };
        assert!(
            crate::wait_for_port(addr, Duration::from_secs(20)),
            "Postfix did not listen on {addr}:\n{}",
            peer.log()
        );
        peer
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("maillog")).unwrap_or_default()
    }

    /// Waits until the log has `n` lines containing `needle`; the log.
    pub fn wait_for(&self, needle: &str, n: usize, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let log = self.log();
            if log.matches(needle).count() >= n || start.elapsed() > limit {
                return log;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("conf")
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("postfix")
            .arg("-c")
            .arg(self.conf())
            .arg("stop")
            .output();
    }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
