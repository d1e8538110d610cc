//! MISMO_LOG_FORMAT: JSON lines on stderr, or the local syslog (facility
//! mail), as an operator's log pipeline wants them.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::{Duration, Instant};

use mismo_testkit::service::Service;
use mismo_testkit::{binary, free_port, TestStore};

/// pop3d logging in `format`, listening.
fn pop3d(server: &TestStore, format: &str) -> Service {
    let mut env = server.env();
    let pop3s = free_port();
    env.push(("MISMO_HOSTNAME".into(), "mx.example.org".into()));
    env.push(("MISMO_LOG_FORMAT".into(), format.into()));
    env.push(("POP3_LISTEN".into(), format!("127.0.0.1:{}", free_port())));
    env.push(("POP3S_LISTEN".into(), format!("127.0.0.1:{pop3s}")));
    Service::listening(
        &binary("pop3d"),
        &env,
        server.data_dir(),
        ([127, 0, 0, 1], pop3s).into(),
    )
}

#[test]
fn json_logs_are_one_object_per_line() {
    let server = TestStore::start();
    let pop3d = pop3d(&server, "json");
    let start = Instant::now();
    while !pop3d.log_text().contains(r#""message":"serving""#) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{}",
            pop3d.log_text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = pop3d.log_text();
    for line in log.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        assert_eq!(v["service"], "pop3d", "{line}");
        assert!(v["level"].is_string() && v["time"].is_i64(), "{line}");
        assert!(v["message"].is_string(), "{line}");
    }
}

/// What `pid` sent to syslog, through journald when it owns /dev/log, or
/// read straight from /dev/log when nothing does (a bare machine).
#[test]
fn syslog_gets_the_lines_under_facility_mail() {
    let dev_log = Path::new("/dev/log");
    let server = TestStore::start();
    if !dev_log.exists() {
        /// Takes /dev/log away again, however the test ends.
        struct Bound(UnixDatagram);
        impl Drop for Bound {
            fn drop(&mut self) {
                let _ = std::fs::remove_file("/dev/log");
            }
        }
        let socket = Bound(UnixDatagram::bind(dev_log).expect("binding /dev/log (run as root)"));
        socket
            .0
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let pop3d = pop3d(&server, "syslog");
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let serving = loop {
            let n = socket
                .0
                .recv(&mut buf)
                .unwrap_or_else(|e| panic!("{e}; got {got:?}"));
            let line = String::from_utf8_lossy(&buf[..n]).to_string();
            if line.contains(": serving") {
                break line;
            }
            got.push(line);
        };
        // <21>: facility mail (2) times 8, plus notice (5), which is where
        // syslog-tracing puts tracing's INFO.
        assert!(serving.starts_with("<21>"), "{serving}");
        assert!(
            serving.contains(&format!("pop3d[{}]: serving", pop3d.pid())),
            "{serving}"
        );
        assert!(pop3d.log_text().is_empty(), "nothing on stderr");
    } else {
        let pop3d = pop3d(&server, "syslog");
        let start = Instant::now();
        loop {
            let out = std::process::Command::new("journalctl")
                .args(["-o", "verbose", &format!("_PID={}", pop3d.pid())])
                .output()
                .expect("/dev/log is there, so journalctl should be");
            let text = String::from_utf8_lossy(&out.stdout);
            if text.contains("MESSAGE=serving") {
                assert!(text.contains("SYSLOG_FACILITY=2"), "{text}");
                assert!(text.contains("SYSLOG_IDENTIFIER=pop3d"), "{text}");
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "{text}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}
