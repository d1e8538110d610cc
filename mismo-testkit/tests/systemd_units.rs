//! The systemd units in deploy/systemd/ are accepted by
//! `systemd-analyze verify`, without a single warning, and each runs as the
//! `mismo` user in a sandbox. The units name the installed paths, so the
//! check reads copies that point at this build's binaries.

use std::process::Command;

use mismo_testkit::{binary, workspace_root, SERVICES};

fn unit(name: &str) -> String {
    let path = workspace_root().join("deploy/systemd").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn systemd_accepts_every_unit_and_each_is_sandboxed() {
    let store = Command::new("bash")
        .arg(workspace_root().join("scripts/store.sh"))
        .arg("bin")
        .output()
        .unwrap();
    let store = String::from_utf8(store.stdout).unwrap().trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut names = vec!["mismo-store.service".to_string()];
    names.extend(SERVICES.iter().map(|s| format!("mismo-{s}.service")));
    let mut copies = Vec::new();
    for (name, service) in names.iter().zip(std::iter::once("").chain(SERVICES)) {
        let text = unit(name);
        for wanted in [
            "User=mismo",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ReadWritePaths=/var/lib/mismo",
            "PrivateTmp=yes",
            "KillSignal=SIGTERM",
        ] {
            assert!(text.contains(wanted), "{name} lacks {wanted}");
        }
        let text = match service {
            "" => text.replace("/usr/local/lib/mismo/secantusd", &store),
            s => text.replace(&format!("/usr/local/bin/{s}"), &binary(s)),
        };
        let copy = dir.path().join(name);
        std::fs::write(&copy, text).unwrap();
        copies.push(copy);
    }
    // Only the ports below 1024 are a capability; nothing else gets any.
    for s in ["smtp-engine", "pop3d", "imapd"] {
        let text = unit(&format!("mismo-{s}.service"));
        assert!(
            text.contains("AmbientCapabilities=CAP_NET_BIND_SERVICE"),
            "{s}"
        );
    }
    for s in ["qprocessor", "admin-console", "webmail"] {
        let text = unit(&format!("mismo-{s}.service"));
        assert!(text.contains("CapabilityBoundingSet=\n"), "{s}");
    }
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&copies)
        .output()
        .expect("systemd-analyze runs");
    let said =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(said.trim().is_empty(), "warnings: {said}");
}
