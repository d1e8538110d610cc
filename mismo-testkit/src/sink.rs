//! Postfix's smtp-sink as a remote MX: accepts (or refuses) and keeps each
//! message in a file of its own.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::wait_for_port;

pub struct Sink {
    child: Child,
    dir: tempfile::TempDir,
    pub addr: SocketAddr,
}

/// One message as smtp-sink dumped it.
#[derive(Debug, Clone)]
pub struct Dumped {
    pub path: PathBuf,
    pub mail_from: String,
    pub rcpts: Vec<String>,
    /// MAIL's arguments as sent: `<a@b.test> BODY=8BITMIME SMTPUTF8`.
    pub mail_args: String,
    /// `ESMTP` after EHLO, `SMTP` after HELO.
    pub proto: String,
    /// The message, after smtp-sink's X- lines and its Received header.
    pub text: String,
}

impl Sink {
    /// Starts smtp-sink on `addr`; `extra` are options such as `["-r", "rcpt"]`
    /// (4xx to RCPT) or `["-f", "rcpt"]` (5xx to RCPT).
    pub fn start(addr: SocketAddr, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut perms = std::fs::metadata(dir.path()).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o777);
        std::fs::set_permissions(dir.path(), perms).unwrap();
        let mut cmd = Command::new("/usr/sbin/smtp-sink");
        if unsafe { libc::geteuid() } == 0 {
            cmd.args(["-u", "nobody"]);
        }
        let template = format!("{}/%H%M%S.", dir.path().display());
        let child = cmd
            .args(extra)
            .args(["-d", &template])
            .arg(addr.to_string())
            .arg("100")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("smtp-sink (Debian package postfix) runs");
        assert!(
            wait_for_port(addr, Duration::from_secs(10)),
            "smtp-sink on {addr}"
        );
        Self { child, dir, addr }
    }

    /// Everything received so far.
    pub fn messages(&self) -> Vec<Dumped> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            if let Some(d) = parse(&entry.path()) {
                out.push(d);
            }
        }
        out
    }
}

fn parse(path: &Path) -> Option<Dumped> {
    let raw = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let mut mail_from = String::new();
    let mut mail_args = String::new();
    let mut proto = String::new();
    let mut rcpts = Vec::new();
    let mut rest = text.as_str();
    while let Some((line, tail)) = rest.split_once('\n') {
        let line = line.trim_end_matches('\r');
        if let Some(v) = line.strip_prefix("X-Client-Proto: ") {
            proto = v.to_string();
        } else if let Some(v) = line.strip_prefix("X-Mail-Args: ") {
            mail_args = v.to_string();
            mail_from = v
                .split_whitespace()
                .next()?
                .trim_matches(['<', '>'])
                .to_string();
        } else if let Some(v) = line.strip_prefix("X-Rcpt-Args: ") {
            rcpts.push(
                v.split_whitespace()
                    .next()?
                    .trim_matches(['<', '>'])
                    .to_string(),
            );
        } else if !line.starts_with("X-") {
            break;
        }
        rest = tail;
    }
    // Skip smtp-sink's own Received header (three lines).
    let body = rest.splitn(4, '\n').nth(3).unwrap_or("").to_string();
    Some(Dumped {
        path: path.to_path_buf(),
        mail_from,
        rcpts,
        mail_args,
        proto,
        text: body,
    })
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
