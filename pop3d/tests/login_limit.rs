//! One budget of password guesses per client address, shared by every
//! connection to every instance of every service: sixty parallel guesses
//! spread over two smtp-engines, two pop3d and an imapd get five passwords
//! checked, and then the right password is refused everywhere too.

use std::process::Command;

use mismo_core::admin::Admin;
use mismo_testkit::service::Service;
use mismo_testkit::{binary, TestStore};

const ZOE: &str = "zoe@example.org";
const PASSWORD: &str = "zoe's long password";

#[tokio::test]
async fn parallel_guesses_across_instances_share_one_budget() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin.add_mailbox(ZOE, PASSWORD, 0).await.unwrap();

    let mut services = Vec::new();
    let mut targets = Vec::new();
    for (name, kind) in [
        ("smtp-engine", "smtps"),
        ("smtp-engine", "smtps"),
        ("pop3d", "pop3s"),
        ("pop3d", "pop3s"),
        ("imapd", "imaps"),
    ] {
        let (mut env, ports) = server.env_with_ports();
        env.push(("MISMO_HOSTNAME".into(), "mail.example.org".into()));
        let port = match kind {
            "smtps" => ports.smtps,
            "pop3s" => ports.pop3s,
            _ => ports.imaps,
        };
        services.push(Service::start(
            &binary(name),
            &env,
            server.data_dir(),
            ([127, 0, 0, 1], port).into(),
        ));
        targets.push(format!("{kind}:{port}"));
    }

    let out = Command::new("python3")
        .arg(format!(
            "{}/tests/py/login_storm.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args([ZOE, "not the password", PASSWORD, "60"])
        .args(&targets)
        .output()
        .unwrap();
    let logs = || services.iter().map(Service::log_text).collect::<String>();
    assert!(
        out.status.success(),
        "{}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        logs()
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("{v}");
    let guesses = &v["guesses"];
    assert_eq!(guesses["other"], serde_json::json!([]), "{v}\n{}", logs());
    // Four answered "wrong password"; the fifth failure, and every guess
    // after it, "too many". Nothing beyond the fifth was checked.
    assert_eq!(guesses["failed"], 4, "{v}");
    assert_eq!(guesses["refused"], 56, "{v}");
    let record = store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(mismo_core::store::names::LOGIN_ATTEMPTS)
        .find_one(mongodb::bson::doc! { "_id": "127.0.0.1" })
        .await
        .unwrap()
        .expect("the address's attempts are recorded");
    assert_eq!(record.get_i64("failures").unwrap(), 5, "{record}");
    // The right password now fails on every instance too.
    for target in &targets {
        let answer = v["right"][target].as_str().unwrap();
        assert!(
            answer.contains("Too many failed") || answer.starts_with("421"),
            "{target} let the right password in after the limit: {answer}"
        );
    }
}
