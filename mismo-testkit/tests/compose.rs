//! docker-compose.yml against the code: Docker cannot run here, so what can
//! be checked is checked. The file parses (PyYAML, from the project's
//! .venv); every Mismo tier runs in it, with a health check; HAProxy fronts
//! the engines with the shipped configuration and is the address the engines
//! trust for PROXY headers; each qprocessor has its own resolver; published
//! ports and every variable match .env.example; and the init service shards
//! every collection on the key the code documents.

use std::collections::BTreeMap;

use mismo_core::store::COLLECTIONS;
use mismo_testkit::{workspace_root, SERVICES};
use serde_json::Value;

fn compose() -> Value {
    let root = workspace_root();
    let out = mismo_testkit::python()
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(root.join("docker-compose.yml"))
        .output()
        .expect(".venv/bin/python (scripts/store.sh install makes it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `.env.example`'s variables and their default values; those unset by
/// default are there as comments (`# DNS_RESOLVER=127.0.0.1:53`).
fn env_example() -> BTreeMap<String, String> {
    std::fs::read_to_string(workspace_root().join(".env.example"))
        .unwrap()
        .lines()
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The port of an `ip:port` default.
fn port_of(defaults: &BTreeMap<String, String>, var: &str) -> String {
    defaults[var].rsplit(':').next().unwrap().to_string()
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

#[test]
fn the_compose_file_runs_every_tier_as_the_code_expects() {
    let doc = compose();
    let services = doc["services"].as_object().unwrap();
    let defaults = env_example();
    let command = |s: &Value| s["command"].as_str().unwrap_or("").to_string();

    // Every tier runs, each with a health check (a qprocessor has no port).
    for tier in SERVICES {
        let running: Vec<&String> = services
            .iter()
            .filter(|(_, s)| command(s) == tier)
            .map(|(name, _)| name)
            .collect();
        assert!(!running.is_empty(), "{tier} does not run");
        for name in running {
            let s = &services[name];
            if tier != "qprocessor" {
                assert!(
                    s["healthcheck"]["test"].is_array(),
                    "{name} has no health check"
                );
            }
            // Every variable it sets is one Mismo reads.
            for var in s["environment"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                assert!(
                    defaults.contains_key(var),
                    "{name} sets {var}, unknown to .env.example"
                );
            }
        }
    }

    // HAProxy fronts both engines with the shipped file, on the mail ports,
    // from the address the engines trust for PROXY headers.
    let haproxy = &services["haproxy"];
    let volumes: Vec<&str> = haproxy["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(str_of)
        .collect();
    assert!(
        volumes[0].starts_with("./deploy/haproxy/haproxy.cfg:"),
        "{volumes:?}"
    );
    let ports: Vec<&str> = haproxy["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(str_of)
        .collect();
    assert_eq!(ports, ["25:25", "587:587", "465:465"]);
    let haproxy_ip = str_of(&haproxy["networks"]["mismo"]["ipv4_address"]);
    for var in ["MISMO_ENGINE1", "MISMO_ENGINE2"] {
        let engine = &services[str_of(&haproxy["environment"][var])];
        assert_eq!(command(engine), "smtp-engine", "{var}");
        assert_eq!(
            str_of(&engine["environment"]["SMTP_PROXY_PROTOCOL_FROM"]),
            haproxy_ip
        );
        assert!(
            engine["ports"].is_null(),
            "engines are reached through HAProxy only"
        );
        let check = engine["healthcheck"]["test"].to_string();
        let status = port_of(&defaults, "SMTP_STATUS_LISTEN");
        assert!(
            check.contains(&format!("/dev/tcp/127.0.0.1/{status}")),
            "{check}"
        );
        assert!(check.contains("GET /status"), "{check}");
    }

    // Each qprocessor asks its own caching resolver, beside it.
    for (name, s) in services.iter().filter(|(_, s)| command(s) == "qprocessor") {
        assert_eq!(
            str_of(&s["environment"]["DNS_RESOLVER"]),
            "127.0.0.1:53",
            "{name}"
        );
        let beside = services
            .values()
            .filter(|r| r["network_mode"] == format!("service:{name}"))
            .count();
        assert_eq!(beside, 1, "{name} has no resolver of its own");
    }
    for (name, s) in services.iter().filter(|(n, _)| n.starts_with("resolver")) {
        let volume = str_of(&s["volumes"][0]);
        assert!(
            volume.starts_with("./bind9/named.conf:"),
            "{name}: {volume}"
        );
    }

    // Published ports reach the listeners' default ports.
    for (service, var) in [
        ("pop3d", "POP3_LISTEN"),
        ("pop3d", "POP3S_LISTEN"),
        ("imapd", "IMAP_LISTEN"),
        ("imapd", "IMAPS_LISTEN"),
        ("webmail", "WEBMAIL_LISTEN"),
        ("admin-console", "ADMIN_LISTEN"),
    ] {
        let inside = port_of(&defaults, var);
        let published = services[service]["ports"].as_array().unwrap();
        assert!(
            published
                .iter()
                .any(|p| str_of(p).ends_with(&format!(":{inside}"))),
            "{service} does not publish {var}'s port {inside}"
        );
    }

    // The init service shards every collection on its documented key.
    let init: String = services["mongo-init"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|part| str_of(part).replace(' ', ""))
        .collect();
    for spec in COLLECTIONS {
        let key = spec.shard_key.replace(' ', "");
        let want = format!("{}:{key}", spec.name);
        assert!(init.contains(&want), "mongo-init does not shard {want}");
    }
}
