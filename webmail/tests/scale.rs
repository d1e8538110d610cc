//! The message list at 50,000 messages in one folder: a benchmark, not
//! part of the suite (`#[ignore]`); bench/run.sh runs it in release and
//! prints its table. Each answer is checked (the right 50 rows), and timed
//! from the request to the last byte of the page, signed in as a browser
//! is. There is no reference program here, so the figures are absolute.

use std::time::{Duration, Instant};

use mismo_core::admin::Admin;
use mismo_core::model::{new_id, Folder, MailboxEntry, Uid};
use mismo_testkit::service::Service;
use mismo_testkit::{binary, Ports, TestStore};

const MESSAGES: usize = 50_000;
const RUNS: usize = 9;

/// The median and the slowest of [`RUNS`] requests, and the last page.
async fn timed(client: &reqwest::Client, url: &str) -> (Duration, Duration, String) {
    let mut times = Vec::new();
    let mut page = String::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let response = client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        page = response.text().await.unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    (times[RUNS / 2], times[RUNS - 1], page)
}

#[tokio::test]
#[ignore = "a benchmark: bench/run.sh runs it"]
async fn first_page_of_a_50000_message_folder() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("big.test").await.unwrap();
    admin
        .add_mailbox("zoe@big.test", "zoe's long password", 0)
        .await
        .unwrap();
    // One stored message shared by every entry, as one delivery to many
    // mailboxes shares its bytes; the entries differ in sender, subject,
    // size, date and flags.
    let raw = b"From: Sender <s@far.test>\r\nTo: zoe@big.test\r\nSubject: x\r\n\r\nbody\r\n";
    let blob = store.put_blob(raw).await.unwrap();
    let header = mismo_core::model::header_block(raw);
    let loading = Instant::now();
    let now = mismo_core::model::now_ms();
    let inbox = Folder::inbox_id("zoe@big.test");
    let collection = store
        .database_for_tests()
        .collection::<MailboxEntry>(mismo_core::store::names::MAILBOX_MESSAGES);
    for batch in 0..MESSAGES / 5000 {
        let docs: Vec<MailboxEntry> = (batch * 5000..(batch + 1) * 5000)
            .map(|n| MailboxEntry {
                id: new_id(),
                mailbox: "zoe@big.test".into(),
                blob: blob.clone(),
                delivery_headers: String::new(),
                size: 1000 + (n as i64 * 7919) % 90_000,
                // One a minute, the newest arrived just now.
                received_at: now - (MESSAGES - n) as i64 * 60_000,
                queue_id: String::new(),
                from: Some(format!("Sender {:05} <s{n}@far.test>", (n * 7) % MESSAGES)),
                subject: Some(format!("Message number {n}")),
                folder: inbox.clone(),
                uid: Uid::new(n as u32 + 1),
                flags: if n % 3 == 0 {
                    vec!["\\Seen".into()]
                } else {
                    vec![]
                },
                modseq: 1,
                header: header.clone(),
            })
            .collect();
        collection.insert_many(docs).await.unwrap();
    }
    let loaded = loading.elapsed();

    let (env, ports) = server.env_with_ports();
    let dir = tempfile::tempdir().unwrap();
    let _webmail = Service::start(
        &binary("webmail"),
        &env,
        dir.path(),
        Ports::at(ports.webmail),
    );
    let base = format!("http://127.0.0.1:{}", ports.webmail);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = login.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &login[at..at + 64];
    let signed = client
        .post(format!("{base}/login"))
        .form(&[
            ("address", "zoe@big.test"),
            ("password", "zoe's long password"),
            ("csrf", csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200, "signed in and sent on to the inbox");

    let mut rows = Vec::new();
    for (what, path, first) in [
        (
            "first page, newest first",
            "/mail?folder=INBOX",
            "Message number 49999",
        ),
        (
            "first page, oldest first",
            "/mail?folder=INBOX&order=asc",
            "Message number 0<",
        ),
        (
            "first page by sender",
            "/mail?folder=INBOX&sort=from&order=asc",
            "Sender 00000",
        ),
        (
            "first page by subject",
            "/mail?folder=INBOX&sort=subject",
            "Message number 9999<",
        ),
        ("first page by size", "/mail?folder=INBOX&sort=size", ""),
        (
            "page 1,000 (the last)",
            "/mail?folder=INBOX&page=1000",
            "Message number 0<",
        ),
    ] {
        let (median, slowest, page) = timed(&client, &format!("{base}{path}")).await;
        assert_eq!(page.matches("data-href=").count(), 50, "{what}");
        assert!(page.contains("50000 messages"), "{what}");
        assert!(page.contains(first), "{what}: {first}");
        rows.push((what, median, slowest));
    }
    // The same first page, each time just after a new message arrived:
    // the folder changed, so its counts are made again.
    let mut times = Vec::new();
    for n in 0..RUNS {
        let raw = format!("From: new@far.test\r\nSubject: Arrived {n}\r\n\r\nnew\r\n");
        mismo_testkit::deliver(&store, "zoe@big.test", raw.as_bytes()).await;
        let started = Instant::now();
        let page = client
            .get(format!("{base}/mail?folder=INBOX"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        times.push(started.elapsed());
        assert!(
            page.contains(&format!("Arrived {n}<")),
            "the new message is listed first"
        );
        assert!(page.contains(&format!("{} messages", MESSAGES + 1 + n)));
    }
    times.sort();
    rows.insert(
        1,
        (
            "first page, newest first, just after new mail",
            times[RUNS / 2],
            times[RUNS - 1],
        ),
    );
    println!("\nwebmail message list, {MESSAGES} messages in INBOX ({loaded:.1?} to load), {RUNS} requests each, whole page:");
    println!("| list | median | slowest |\n|---|---|---|");
    for (what, median, slowest) in rows {
        println!(
            "| {what} | {} ms | {} ms |",
            median.as_millis(),
            slowest.as_millis()
        );
    }
}
