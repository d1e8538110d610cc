//! Every Mismo binary answers `--help` and `--version` and exits 0, as
//! Postfix's commands do, without reaching the store or writing anything.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Runs `name args` in an empty directory, with a store address nothing
/// listens on, and gives up after 10 s (a daemon would never exit).
fn run(name: &str, args: &[&str], dir: &std::path::Path) -> Output {
    let mut child = Command::new(mismo_testkit::binary(name))
        .args(args)
        .current_dir(dir)
        .env(
            "MONGODB_URI",
            "mongodb://127.0.0.1:9/?directConnection=true",
        )
        .env("MONGODB_TIMEOUT", "1s")
        .env("MISMO_DATA_DIR", dir.join("data"))
        .env_remove("TLS_CERT_PATH")
        .env_remove("TLS_KEY_PATH")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("{name} {args:?} kept running");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn help_and_version_exit_0_and_touch_nothing() {
    // The services, and the operators' command line.
    for name in mismo_testkit::SERVICES.into_iter().chain(["mismoctl"]) {
        let dir = tempfile::tempdir().unwrap();
        for flag in ["--help", "-h"] {
            let out = run(name, &[flag], dir.path());
            let text = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{name} {flag}: {text}");
            assert!(text.contains("Usage:"), "{name} {flag}: {text}");
            // Each setting it reads, with its default.
            assert!(
                text.contains(
                    "MONGODB_URI (default: mongodb://127.0.0.1:27017/?directConnection=true)"
                ),
                "{name} {flag}: {text}"
            );
        }
        let out = run(name, &["--version"], dir.path());
        assert_eq!(out.status.code(), Some(0), "{name} --version");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("{name} {}", env!("CARGO_PKG_VERSION"))
        );
        // An argument it does not take is a usage error (2), named.
        let out = run(name, &["--listen"], dir.path());
        assert_eq!(out.status.code(), Some(2), "{name} --listen");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
        // No key, certificate, data directory or anything else was written.
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{name} wrote {left:?}");
    }
}

#[test]
fn the_help_lists_each_services_own_settings() {
    let dir = tempfile::tempdir().unwrap();
    for (name, setting) in [
        ("smtp-engine", "SMTP_MAX_MESSAGE_SIZE (default: 26214400)"),
        ("qprocessor", "QPROCESSOR_CONCURRENCY (default: 64)"),
        ("pop3d", "POP3_LISTEN (default: 0.0.0.0:1110)"),
        ("imapd", "IMAPS_LISTEN (default: 0.0.0.0:1993)"),
    ] {
        let out = run(name, &["--help"], dir.path());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(setting), "{name}: {text}");
    }
}

#[test]
fn man_pages_for_every_binary() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man");
    let out = run(
        "mismoctl",
        &["man", &pages.display().to_string()],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for page in [
        "smtp-engine.8",
        "qprocessor.8",
        "pop3d.8",
        "imapd.8",
        "admin-console.8",
        "webmail.8",
        "mismoctl.1",
        "mismoctl-domain.1",
    ] {
        let text =
            std::fs::read_to_string(pages.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}: {text}");
    }
    let engine = std::fs::read_to_string(pages.join("smtp-engine.8")).unwrap();
    assert!(engine.contains("SMTP_LISTEN"), "{engine}");
    // groff renders them without a warning.
    for page in ["smtp-engine.8", "mismoctl.1"] {
        let out = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(pages.join(page))
            .output()
            .expect("groff (package groff-base)");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{page}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
