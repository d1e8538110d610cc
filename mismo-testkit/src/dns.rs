//! BIND9 (`named`) on 127.0.0.1 and a free port, serving test zones.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::{free_port, wait_for_port};

pub struct Bind9 {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Bind9 {
    /// Serves each zone with its records (zone-file lines relative to the zone,
    /// like `@ MX 10 mx1` or `mx1 A 127.0.0.2`). SOA and NS are added. The
    /// zones take dynamic updates (`nsupdate`) from loopback, as an
    /// operator's DNS host takes a record they publish.
    pub fn start(zones: &[(&str, &[String])]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let d = dir.path().display().to_string();
        let mut conf = format!(
            "controls {{ }};\noptions {{ directory \"{d}\"; pid-file \"{d}/named.pid\"; \
             listen-on port {port} {{ 127.0.0.1; }}; listen-on-v6 {{ none; }}; recursion no; \
             allow-query {{ 127.0.0.0/8; }}; dnssec-validation no; }};\n"
        );
        for (zone, records) in zones {
            let file = format!("{d}/{zone}.zone");
            let mut body = format!(
                "$TTL 5\n@ IN SOA ns.{zone}. hostmaster.{zone}. 1 3600 600 86400 5\n@ IN NS ns\nns IN A 127.0.0.1\n"
            );
            for r in records.iter() {
                writeln!(body, "{r}").unwrap();
            }
            std::fs::write(&file, body).expect("zone file");
            writeln!(
                conf,
                "zone \"{zone}\" {{ type primary; file \"{file}\"; allow-update {{ 127.0.0.1; }}; }};"
            )
            .unwrap();
        }
        let conf_path = dir.path().join("named.conf");
        std::fs::write(&conf_path, conf).expect("named.conf");
        let mut cmd = Command::new(named_binary());
        cmd.arg("-g").arg("-c").arg(&conf_path);
        if unsafe { libc::geteuid() } == 0 {
            cmd.args(["-u", "root"]);
        }
        let log = std::fs::File::create(dir.path().join("named.log")).expect("log");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting named (package bind9)");
        if !wait_for_port(([127, 0, 0, 1], port).into(), Duration::from_secs(20)) {
            let _ = child.kill();
            let log = std::fs::read_to_string(dir.path().join("named.log")).unwrap_or_default();
            panic!("named did not start:\n{log}");
        }
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }
}

fn named_binary() -> &'static str {
    if std::path::Path::new("/usr/sbin/named").exists() {
        "/usr/sbin/named"
    } else {
        "named"
    }
}

impl Drop for Bind9 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
