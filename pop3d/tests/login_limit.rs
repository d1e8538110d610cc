//! One budget of password guesses per client address, shared by every
//! connection to every instance of every service: sixty parallel guesses
//! spread over two smtp-engines, two pop3d and an imapd get five passwords
//! checked, and then the right password is refused everywhere too.

use std::process::Command;

use mismo_core::admin::Admin;
use mismo_testkit::service::Service;
use mismo_testkit::{binary, free_port, TestStore};

const ZOE: &str = "zoe@example.org";
const PASSWORD: &str = "zoe's long password";

/// Every listener on a port of its own, so instances never collide.
fn env_with_ports(server: &TestStore) -> (Vec<(String, String)>, Vec<u16>) {
    let ports: Vec<u16> = (0..8).map(|_| free_port()).collect();
    let mut env = server.env();
    for (k, port) in [
        ("SMTP_LISTEN", ports[0]),
        ("SMTP_SUBMISSION_LISTEN", ports[1]),
        ("SMTPS_LISTEN", ports[2]),
        ("SMTP_STATUS_LISTEN", ports[3]),
        ("POP3_LISTEN", ports[4]),
        ("POP3S_LISTEN", ports[5]),
        ("IMAP_LISTEN", ports[6]),
        ("IMAPS_LISTEN", ports[7]),
    ] {
        env.push((k.into(), format!("127.0.0.1:{port}")));
    }
    env.push(("MISMO_HOSTNAME".into(), "mail.example.org".into()));
    (env, ports)
}

#[tokio::test]
async fn parallel_guesses_across_instances_share_one_budget() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin.add_mailbox(ZOE, PASSWORD, 0).await.unwrap();

    let mut services = Vec::new();
    let mut targets = Vec::new();
    for (name, kind, index) in [
        ("smtp-engine", "smtps", 2),
        ("smtp-engine", "smtps", 2),
        ("pop3d", "pop3s", 5),
        ("pop3d", "pop3s", 5),
        ("imapd", "imaps", 7),
    ] {
        let (env, ports) = env_with_ports(&server);
        let port = ports[index];
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
        .database()
        .collection::<mongodb::bson::Document>("login_attempts")
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
