//! The console's lists at 100,000 mailboxes: a benchmark, not part of the
//! suite (`#[ignore]`); bench/run.sh runs it in release and prints its
//! table. It checks what each answer holds, and times it; there is no
//! reference program to compare with, so the figures are absolute.

use std::time::{Duration, Instant};

use mismo_core::admin::Admin;
use mismo_core::model::{Activation, Mailbox};
use mismo_testkit::service::Service;
use mismo_testkit::{binary, Ports, TestStore};

const MAILBOXES: usize = 100_000;
const RUNS: usize = 7;

/// The median time of [`RUNS`] requests, and the last answer.
async fn timed(client: &reqwest::Client, url: &str, token: &str) -> (Duration, serde_json::Value) {
    let mut times = Vec::new();
    let mut body = serde_json::Value::Null;
    for _ in 0..RUNS {
        let started = Instant::now();
        let response = client.get(url).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        body = response.json().await.unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    (times[RUNS / 2], body)
}

#[tokio::test]
#[ignore = "a benchmark: bench/run.sh runs it"]
async fn mailbox_lists_at_100000_mailboxes() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("big.test").await.unwrap();
    admin.add_domain("small.test").await.unwrap();
    admin
        .add_administrator("root", "root's long password", &[])
        .await
        .unwrap();
    admin
        .add_administrator("ann", "ann's long password", &["big.test".into()])
        .await
        .unwrap();
    let hash = mismo_core::password::hash("a long enough password").unwrap();
    let loading = Instant::now();
    let collection = store
        .database_for_tests()
        .collection::<Mailbox>(mismo_core::store::names::MAILBOXES);
    for batch in 0..MAILBOXES / 5000 {
        let docs: Vec<Mailbox> = (batch * 5000..(batch + 1) * 5000)
            .map(|n| Mailbox {
                address: format!("user{n:06}@big.test"),
                domain: "big.test".into(),
                password_hash: hash.clone(),
                state: Activation::Enabled,
                quota_bytes: 0,
                display_name: Some(format!("User {n}")),
                created_at: 0,
                pgp_public_key: None,
            })
            .collect();
        collection.insert_many(docs).await.unwrap();
    }
    let loaded = loading.elapsed();
    for n in 0..100 {
        mismo_testkit::deliver(
            &store,
            &format!("user{:06}@big.test", n * 997),
            b"Subject: s\r\n\r\nhello\r\n",
        )
        .await;
    }

    let (env, ports) = server.env_with_ports();
    let dir = tempfile::tempdir().unwrap();
    let _console = Service::start(
        &binary("admin-console"),
        &env,
        dir.path(),
        Ports::at(ports.admin),
    );
    let root = admin.new_api_token("root").await.unwrap();
    let ann = admin.new_api_token("ann").await.unwrap();
    let client = reqwest::Client::new();
    let api = |path: &str| format!("http://127.0.0.1:{}/api/v1{path}", ports.admin);
    let first = |v: &serde_json::Value| v["mailboxes"][0]["address"].as_str().unwrap().to_string();

    let mut rows: Vec<(String, Duration)> = Vec::new();
    let (t, page) = timed(&client, &api("/mailboxes"), &root).await;
    assert_eq!(page["mailboxes"].as_array().unwrap().len(), 50);
    assert_eq!(first(&page), "user000000@big.test");
    rows.push(("first page (50, with usage)".into(), t));
    let (t, page) = timed(&client, &api("/mailboxes?after=user099000@big.test"), &root).await;
    assert_eq!(first(&page), "user099001@big.test");
    rows.push(("page 1,981 (after user099000)".into(), t));
    let (t, page) = timed(&client, &api("/mailboxes?sort=-address"), &root).await;
    assert_eq!(first(&page), "user099999@big.test");
    rows.push(("first page, sorted down".into(), t));
    let (t, page) = timed(&client, &api("/mailboxes?q=user0777"), &root).await;
    assert_eq!(first(&page), "user077700@big.test");
    rows.push(("search 'user0777'".into(), t));
    let (t, page) = timed(&client, &api("/mailboxes?domain=big.test"), &ann).await;
    assert_eq!(page["mailboxes"].as_array().unwrap().len(), 50);
    rows.push(("first page, domain administrator".into(), t));
    let (t, domains) = timed(&client, &api("/domains"), &root).await;
    assert_eq!(domains[0]["mailboxes"], MAILBOXES);
    rows.push(("domain list (mailboxes counted)".into(), t));
    let (t, domain) = timed(&client, &api("/domains/big.test"), &root).await;
    assert_eq!(domain["messages"], 100);
    rows.push(("domain detail (usage of 100,000 mailboxes)".into(), t));

    println!(
        "\nadmin console at {MAILBOXES} mailboxes (loaded in {:.1} s), median of {RUNS} requests:\n",
        loaded.as_secs_f64()
    );
    println!("| request | ms |\n|---|---|");
    for (what, t) in rows {
        println!("| {what} | {:.1} |", t.as_secs_f64() * 1000.0);
    }
}
