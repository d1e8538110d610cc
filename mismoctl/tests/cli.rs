//! mismoctl end to end: the real binary against a real store (`secantusd-rs`).

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mismo_core::password;
use mismo_testkit::{dns::Bind9, TestStore};

struct Ctl<'a> {
    store: &'a TestStore,
    extra: Vec<(String, String)>,
}

impl Ctl<'_> {
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let dir = self.store.data_dir();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mismoctl"));
        cmd.args(args)
            .current_dir(dir) // no stray .env
            .env_remove("MONGODB_URI")
            .env_remove("MONGODB_DB")
            .env_remove("DNS_RESOLVER")
            .envs(self.store.env())
            .envs(self.extra.iter().cloned())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("mismoctl runs");
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    }

    /// Runs and expects `code`; returns stdout.
    fn expect(&self, code: i32, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "mismoctl {args:?}\nstdout: {stdout}\nstderr: {stderr}"
        );
        if code == 1 {
            assert_eq!(stderr.lines().count(), 1, "one-line reason: {stderr}");
            assert!(stderr.starts_with("mismoctl: "), "{stderr}");
            return stderr;
        }
        stdout
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.expect(0, &all, None)).expect("JSON output")
    }
}

fn ctl(store: &TestStore) -> Ctl<'_> {
    Ctl {
        store,
        extra: Vec::new(),
    }
}

#[tokio::test]
async fn domains_mailboxes_and_aliases_end_to_end() {
    let server = TestStore::start();
    let ctl = ctl(&server);

    let out = ctl.expect(0, &["domain", "add", "Example.ORG"], None);
    assert!(out.contains("domain example.org added"), "{out}");
    assert!(out.contains("mismo-verification="), "{out}");
    let err = ctl.expect(1, &["domain", "add", "example.org"], None);
    assert!(err.contains("exists already"), "{err}");
    let err = ctl.expect(1, &["domain", "add", "not_a_domain!"], None);
    assert!(err.contains("not a domain name"), "{err}");

    // Password from stdin, and it is the one stored.
    let out = ctl.expect(
        0,
        &["mailbox", "add", "Zoe@example.org", "--password-stdin"],
        Some("correct horse battery\n"),
    );
    assert!(out.contains("mailbox zoe@example.org added"), "{out}");
    assert!(!out.contains("correct horse"), "password echoed: {out}");
    let store = server.store().await;
    let stored = store
        .get_mailbox("zoe@example.org")
        .await
        .unwrap()
        .expect("stored");
    assert!(password::verify(
        "correct horse battery",
        &stored.password_hash
    ));
    assert!(!password::verify(
        "correct horse battery\n",
        &stored.password_hash
    ));

    // Generated password, shown once and valid.
    let added = ctl.json(&["mailbox", "add", "bob@example.org", "--quota", "1G"]);
    let generated = added["generated_password"]
        .as_str()
        .expect("generated")
        .to_string();
    let bob = store.get_mailbox("bob@example.org").await.unwrap().unwrap();
    assert!(password::verify(&generated, &bob.password_hash));
    assert_eq!(bob.quota_bytes, 1 << 30);

    let err = ctl.expect(
        1,
        &["mailbox", "add", "zoe@example.org", "--password-stdin"],
        Some("another password\n"),
    );
    assert!(err.contains("exists already"), "{err}");
    let err = ctl.expect(
        1,
        &["mailbox", "add", "x@unknown.test", "--password-stdin"],
        Some("another password\n"),
    );
    assert!(err.contains("not hosted"), "{err}");
    let err = ctl.expect(
        1,
        &["mailbox", "add", "y@example.org", "--password-stdin"],
        Some("short\n"),
    );
    assert!(err.contains("at least 8"), "{err}");
    // A name that would break links and forms (query characters, escapes).
    let err = ctl.expect(
        1,
        &[
            "mailbox",
            "add",
            "q?x=1&y=%3cb%3e@example.org",
            "--password-stdin",
        ],
        Some("another password\n"),
    );
    assert!(err.contains("letters, digits"), "{err}");
    let err = ctl.expect(
        1,
        &["mailbox", "add", "y@example.org", "--password-stdin"],
        Some(""),
    );
    assert!(err.contains("no password"), "{err}");
    let err = ctl.expect(
        1,
        &["mailbox", "add", "y@example.org", "--quota", "lots"],
        None,
    );
    assert!(err.contains("--quota"), "{err}");

    let list = ctl.json(&["mailbox", "list"]);
    let addresses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, ["bob@example.org", "zoe@example.org"]);
    assert!(
        list[0].get("password_hash").is_none(),
        "hash leaked: {list}"
    );
    assert!(ctl
        .json(&["mailbox", "list", "other.test"])
        .as_array()
        .unwrap()
        .is_empty());
    let table = ctl.expect(0, &["mailbox", "list"], None);
    assert!(
        table.contains("zoe@example.org") && table.contains("1.0 GiB"),
        "{table}"
    );

    ctl.expect(
        0,
        &["mailbox", "passwd", "zoe@example.org", "--password-stdin"],
        Some("a new password\n"),
    );
    let stored = store.get_mailbox("zoe@example.org").await.unwrap().unwrap();
    assert!(password::verify("a new password", &stored.password_hash));
    ctl.expect(
        1,
        &[
            "mailbox",
            "passwd",
            "nobody@example.org",
            "--password-stdin",
        ],
        Some("a new password\n"),
    );

    assert_eq!(
        ctl.json(&["mailbox", "disable", "zoe@example.org"])["state"],
        "disabled"
    );
    assert_eq!(
        ctl.json(&["mailbox", "enable", "zoe@example.org"])["state"],
        "enabled"
    );
    let usage = ctl.json(&["mailbox", "usage", "zoe@example.org"]);
    assert_eq!(
        (usage["messages"].as_i64(), usage["bytes"].as_i64()),
        (Some(0), Some(0))
    );

    // Aliases, catch-all included.
    let alias = ctl.json(&[
        "alias",
        "add",
        "info@example.org",
        "zoe@example.org",
        "bob@example.org",
    ]);
    assert_eq!(
        alias["targets"],
        serde_json::json!(["zoe@example.org", "bob@example.org"])
    );
    let catch_all = ctl.json(&["alias", "add", "@example.org", "zoe@example.org"]);
    assert_eq!(catch_all["catch_all"], true);
    ctl.expect(
        1,
        &["alias", "add", "zoe@example.org", "bob@example.org"],
        None,
    );
    ctl.expect(
        1,
        &["alias", "add", "x@unknown.test", "bob@example.org"],
        None,
    );
    ctl.expect(
        1,
        &["alias", "add", "info@example.org", "not an address"],
        None,
    );
    assert_eq!(ctl.json(&["alias", "list"]).as_array().unwrap().len(), 2);
    ctl.expect(0, &["alias", "remove", "info@example.org"], None);
    ctl.expect(1, &["alias", "remove", "info@example.org"], None);

    // Domains: state, and removal only once empty.
    assert_eq!(
        ctl.json(&["domain", "disable", "example.org"])["state"],
        "disabled"
    );
    let domains = ctl.json(&["domain", "list"]);
    assert_eq!(domains[0]["name"], "example.org");
    assert_eq!(domains[0]["state"], "disabled");
    ctl.expect(0, &["domain", "enable", "example.org"], None);
    let err = ctl.expect(1, &["domain", "remove", "example.org"], None);
    assert!(err.contains("2 mailbox(es) and 1 alias(es)"), "{err}");
    ctl.expect(0, &["alias", "remove", "@example.org"], None);
    mismo_testkit::deliver(&store, "zoe@example.org", b"Subject: kept?\r\n\r\nno\r\n").await;
    let out = ctl.expect(0, &["mailbox", "remove", "zoe@example.org"], None);
    assert!(out.contains("with 1 message(s)"), "{out}");
    assert!(store
        .list_entries("zoe@example.org")
        .await
        .unwrap()
        .is_empty());
    ctl.expect(0, &["mailbox", "remove", "bob@example.org"], None);
    ctl.expect(0, &["domain", "remove", "example.org"], None);
    ctl.expect(1, &["domain", "remove", "example.org"], None);
    assert!(ctl.json(&["domain", "list"]).as_array().unwrap().is_empty());
}

#[test]
fn usage_errors_exit_2() {
    let server = TestStore::start();
    let ctl = ctl(&server);
    ctl.expect(2, &["frobnicate"], None);
    ctl.expect(2, &["domain", "add"], None);
    ctl.expect(2, &["mailbox", "add", "a@b.test", "--password", "x"], None);
    ctl.expect(2, &["alias", "add", "a@b.test"], None);
    ctl.expect(0, &["--help"], None);
}

#[test]
fn store_unreachable_is_a_one_line_error() {
    let server = TestStore::start();
    let mut ctl = ctl(&server);
    let port = mismo_testkit::free_port();
    ctl.extra = vec![
        (
            "MONGODB_URI".into(),
            format!("mongodb://127.0.0.1:{port}/?directConnection=true"),
        ),
        ("MONGODB_TIMEOUT".into(), "1s".into()),
    ];
    let started = Instant::now();
    let err = ctl.expect(1, &["domain", "list"], None);
    assert!(err.contains("store unavailable"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));

    ctl.extra = vec![("MONGODB_TIMEOUT".into(), "soon".into())];
    let err = ctl.expect(1, &["domain", "list"], None);
    assert!(err.contains("MONGODB_TIMEOUT: invalid value"), "{err}");
}

#[test]
fn domain_verify_reads_the_txt_record_through_dns_resolver() {
    let server = TestStore::start();
    let mut ctl = ctl(&server);
    let added = ctl.json(&["domain", "add", "good.test"]);
    let record = added["verification_record"].as_str().unwrap().to_string();
    ctl.expect(0, &["domain", "add", "bad.test"], None);
    ctl.expect(0, &["domain", "add", "silent.test"], None);

    let dns = Bind9::start(&[
        (
            "good.test",
            &[
                "@ TXT \"v=spf1 -all\"".to_string(),
                format!("@ TXT \"{record}\""),
            ],
        ),
        (
            "bad.test",
            &["@ TXT \"mismo-verification=wrong\"".to_string()],
        ),
        ("silent.test", &["@ A 127.0.0.9".to_string()]),
    ]);
    ctl.extra = vec![("DNS_RESOLVER".into(), dns.addr().to_string())];

    let good = ctl.json(&["domain", "verify", "good.test"]);
    assert_eq!(good["verification"], "verified", "{good}");
    let bad = ctl.json(&["domain", "verify", "bad.test"]);
    assert_eq!(bad["verification"], "failed", "{bad}");
    let silent = ctl.json(&["domain", "verify", "silent.test"]);
    assert_eq!(silent["verification"], "failed");
    assert!(
        silent["verification_detail"]
            .as_str()
            .unwrap()
            .contains("no TXT records"),
        "{silent}"
    );
    let listed = ctl.json(&["domain", "list"]);
    let states: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap(),
                d["verification"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("bad.test", "failed"),
            ("good.test", "verified"),
            ("silent.test", "failed")
        ]
    );
    ctl.expect(1, &["domain", "verify", "unknown.test"], None);
}

#[tokio::test]
async fn queue_commands() {
    let server = TestStore::start();
    let ctl = ctl(&server);
    let store = server.store().await;
    let a = mismo_testkit::enqueue(
        &store,
        "a@far.test",
        &["zoe@example.org"],
        "Subject: first\n\nx\n",
    )
    .await;
    let b = mismo_testkit::enqueue(
        &store,
        "",
        &["bob@far.test", "al@far.test"],
        "Subject: second\n\ny\n",
    )
    .await;

    let list = ctl.json(&["queue", "list"]);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a.as_str(), b.as_str()]);
    assert_eq!(list[1]["from"], "<>");
    assert_eq!(list[1]["recipients"], 2);
    assert!(ctl
        .json(&["queue", "list", "--state", "failed"])
        .as_array()
        .unwrap()
        .is_empty());
    ctl.expect(2, &["queue", "list", "--state", "lost"], None);

    let shown = ctl.expect(0, &["queue", "show", &b], None);
    assert!(
        shown.contains("subject:   second") && shown.contains("recipient: al@far.test Pending"),
        "{shown}"
    );
    let shown = ctl.json(&["queue", "show", &a]);
    assert_eq!(shown["recipients"][0]["address"], "zoe@example.org");
    ctl.expect(1, &["queue", "show", "NOPE"], None);

    let stats = ctl.json(&["queue", "stats"]);
    assert_eq!(
        stats,
        serde_json::json!([{ "state": "ENQUEUED", "messages": 2 }])
    );

    // Retry makes a deferred message due now.
    store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(mismo_core::store::names::MESSAGES)
        .update_one(
            mongodb::bson::doc! { "_id": &a },
            mongodb::bson::doc! { "$set": { "due_at": i64::MAX / 2 } },
        )
        .await
        .unwrap();
    ctl.expect(0, &["queue", "retry", &a], None);
    assert!(store.get_queued(&a).await.unwrap().unwrap().due_at <= mismo_core::model::now_ms());

    // A message a worker holds is neither retried nor deleted.
    let (_, claimed) = store
        .claim_due(
            mismo_core::model::now_ms(),
            10,
            60_000,
            &mut mismo_core::store::DueScan::default(),
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    let err = ctl.expect(1, &["queue", "delete", &b], None);
    assert!(err.contains("DELIVERING"), "{err}");
    let err = ctl.expect(1, &["queue", "retry", &b], None);
    assert!(err.contains("not waiting"), "{err}");
    for m in &claimed {
        store
            .release_claim(&m.id, m.claim_token.as_deref().unwrap(), 0)
            .await
            .unwrap();
    }
    ctl.expect(0, &["queue", "delete", &b], None);
    ctl.expect(1, &["queue", "delete", &b], None);
    assert_eq!(ctl.json(&["queue", "list"]).as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn domain_dkim_prints_the_record_to_publish() {
    let server = TestStore::start();
    let ctl = ctl(&server);
    ctl.expect(0, &["domain", "add", "example.org"], None);
    let first = ctl.json(&["domain", "dkim", "example.org"]);
    assert_eq!(first["name"], "mismo._domainkey.example.org");
    assert!(
        first["value"]
            .as_str()
            .unwrap()
            .starts_with("v=DKIM1; k=rsa; p=MII"),
        "{first}"
    );
    assert_eq!(
        ctl.json(&["domain", "dkim", "example.org"]),
        first,
        "the same key every time"
    );
    // A DNS character-string holds 255 octets (RFC 1035 3.3): the value is
    // published as several, which put together are the whole value.
    let strings: Vec<String> = first["strings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert!(strings.len() >= 2, "{first}");
    assert!(strings.iter().all(|s| s.len() <= 255), "{first}");
    assert_eq!(strings.concat(), first["value"].as_str().unwrap());
    let line = ctl.expect(0, &["domain", "dkim", "example.org"], None);
    let line = line.trim().to_string();
    assert!(
        line.starts_with("mismo._domainkey.example.org. IN TXT ( \"v=DKIM1;"),
        "{line}"
    );

    // The printed line loads into a zone as it is: named-checkzone accepts it...
    let dir = tempfile::tempdir().unwrap();
    let zone = dir.path().join("example.org.zone");
    std::fs::write(
        &zone,
        format!(
            "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.1\n{line}\n"
        ),
    )
    .unwrap();
    let check = Command::new("named-checkzone")
        .arg("example.org")
        .arg(&zone)
        .output()
        .expect("named-checkzone (package bind9-utils)");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // ...and BIND9 serves it, and dkimpy verifies a Mismo signature against it.
    let dns = Bind9::start(&[("example.org", &[line])]);
    let store = server.store().await;
    let key = store.dkim_key("example.org").await.unwrap();
    let message = b"From: a@example.org\r\nTo: b@far.test\r\nSubject: key in DNS\r\n\r\nHello.\r\n";
    let signed = [key.sign(message).unwrap().as_bytes(), message].concat();
    let signed_path = dir.path().join("signed.eml");
    std::fs::write(&signed_path, signed).unwrap();
    let verify = mismo_testkit::python()
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/py/dkim_verify_dns.py"
        ))
        .arg(&signed_path)
        .arg(dns.addr().ip().to_string())
        .arg(dns.addr().port().to_string())
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    store.shutdown().await;
    ctl.expect(1, &["domain", "dkim", "unknown.test"], None);
}

#[tokio::test]
async fn mailbox_pgp_regenerate_makes_a_key_gnupg_accepts() {
    let server = TestStore::start();
    let ctl = ctl(&server);
    ctl.expect(0, &["domain", "add", "example.org"], None);
    ctl.expect(
        0,
        &["mailbox", "add", "zoe@example.org", "--password-stdin"],
        Some("a long password\n"),
    );
    let first = ctl.json(&["mailbox", "pgp-regenerate", "zoe@example.org"]);
    let fingerprint = first["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fingerprint.len(), 40, "{first}");
    let public = first["public_key"].as_str().unwrap();
    assert!(
        public.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
        "{public}"
    );

    // The key is on the mailbox, and the secret part stored apart.
    let store = server.store().await;
    let mailbox = store.get_mailbox("zoe@example.org").await.unwrap().unwrap();
    assert_eq!(mailbox.pgp_public_key.as_deref(), Some(public));
    let list = ctl.json(&["mailbox", "list"]);
    assert_eq!(list[0]["has_pgp_key"], true);

    // GnuPG reads it: the user id is the address, the fingerprint the same.
    let home = server.data_dir().join("gnupg");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let key_file = server.data_dir().join("zoe.asc");
    std::fs::write(&key_file, public).unwrap();
    let gpg = |args: &[&str]| {
        let out = Command::new("gpg")
            .arg("--homedir")
            .arg(&home)
            .args(["--batch", "--with-colons"])
            .args(args)
            .output()
            .expect("gpg runs");
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    gpg(&["--import", &key_file.display().to_string()]);
    let listed = gpg(&["--list-keys", "zoe@example.org"]);
    assert!(
        listed.contains(&format!("fpr:::::::::{fingerprint}:")),
        "{listed}"
    );
    assert!(listed.contains("<zoe@example.org>"), "{listed}");
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("sub:") && l.contains(":e:")),
        "an encryption subkey: {listed}"
    );

    // Regenerating replaces it.
    let second = ctl.json(&["mailbox", "pgp-regenerate", "zoe@example.org"]);
    assert_ne!(second["fingerprint"], first["fingerprint"]);
    let mailbox = store.get_mailbox("zoe@example.org").await.unwrap().unwrap();
    assert_eq!(
        mailbox.pgp_public_key.as_deref(),
        second["public_key"].as_str()
    );
    ctl.expect(
        1,
        &["mailbox", "pgp-regenerate", "nobody@example.org"],
        None,
    );
}

#[tokio::test]
async fn administrators_and_their_tokens() {
    let server = TestStore::start();
    let ctl = ctl(&server);
    ctl.expect(0, &["domain", "add", "a.test"], None);

    let out = ctl.expect(
        0,
        &["admin", "add", "root", "--password-stdin"],
        Some("root's long password\n"),
    );
    assert_eq!(out.trim(), "administrator root added (global)");
    let out = ctl.expect(0, &["admin", "add", "ann", "--domain", "A.test"], None);
    assert!(
        out.starts_with("administrator ann added for a.test; password: "),
        "{out}"
    );

    // What is wrong is named: a domain that does not exist, a taken or bad
    // name, a short password.
    let err = ctl.expect(1, &["admin", "add", "bob", "--domain", "b.test"], None);
    assert!(err.contains("no domain b.test"), "{err}");
    let err = ctl.expect(1, &["admin", "add", "root"], None);
    assert!(err.contains("exists already"), "{err}");
    let err = ctl.expect(1, &["admin", "add", "Bad Name"], None);
    assert!(err.contains("bad administrator name"), "{err}");
    let err = ctl.expect(
        1,
        &["admin", "add", "carl", "--password-stdin"],
        Some("short\n"),
    );
    assert!(err.contains("at least 8"), "{err}");

    let list = ctl.json(&["admin", "list"]);
    let rows: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().into(),
                a["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("ann".into(), "domain".into()),
            ("root".into(), "global".into())
        ]
    );

    // A token is printed once and only its hash is kept.
    let token = ctl.json(&["admin", "token", "ann"])["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 64);
    let store = server.store().await;
    let admin = mismo_core::admin::Admin::new(&store);
    let found = admin
        .token_administrator(&token)
        .await
        .unwrap()
        .expect("the token works");
    assert_eq!(found.name, "ann");
    assert!(
        store.get_api_token(&token).await.unwrap().is_none(),
        "not stored in clear"
    );

    // A lost second factor is turned off from the command line.
    admin.start_totp("ann").await.unwrap();
    let pending = admin.pending_totp("ann").await.unwrap().unwrap();
    let now = mismo_core::model::now_ms() as u64 / 1000;
    let code = mismo_core::second_factor::code_at(&pending.secret, now).unwrap();
    admin.confirm_totp("ann", &code, now).await.unwrap();
    let totp_on = || async {
        let ann = store.get_administrator("ann").await.unwrap().unwrap();
        ann.totp.is_some()
    };
    assert!(totp_on().await);
    let out = ctl.expect(0, &["admin", "totp-off", "ann"], None);
    assert_eq!(out.trim(), "second factor of ann turned off");
    assert!(!totp_on().await);
    let err = ctl.expect(1, &["admin", "totp-off", "nobody"], None);
    assert!(err.contains("no administrator nobody"), "{err}");

    // Removing an administrator removes their tokens.
    ctl.expect(0, &["admin", "remove", "ann"], None);
    assert!(admin.token_administrator(&token).await.unwrap().is_none());
    let err = ctl.expect(1, &["admin", "remove", "ann"], None);
    assert!(err.contains("no administrator ann"), "{err}");
    let err = ctl.expect(1, &["admin", "token", "nobody"], None);
    assert!(err.contains("no administrator nobody"), "{err}");
}
