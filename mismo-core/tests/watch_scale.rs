//! What the per-process watches and a woken session's read cost at scale:
//! 10,000 sessions' folders and mailboxes read in one look each, and what
//! changed read from a folder of 100,000 messages, against reading the
//! folder whole (what a NOOP did before). A measure, not a test: run by
//! bench/run.sh with `--ignored`.

use std::time::Instant;

use mismo_core::admin::Admin;
use mismo_core::model::{BlobRef, MailboxEntry, Uid};
use mismo_testkit::TestStore;
use mongodb::bson::{doc, Document};

const CLIENTS: usize = 10_000;
const MESSAGES: u32 = 100_000;

/// Average milliseconds of `runs` calls of `op`.
async fn timed<F, Fut, T>(runs: u32, mut op: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let start = Instant::now();
    for _ in 0..runs {
        op().await;
    }
    start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs)
}

fn entry(folder: &str, uid: u32) -> MailboxEntry {
    MailboxEntry {
        id: format!("m{uid:07}"),
        mailbox: "big@scale.test".into(),
        blob: BlobRef {
            id: format!("b{uid}"),
            size: 4096,
            chunks: 0,
            inline: None,
        },
        delivery_headers: String::new(),
        size: 4096,
        received_at: i64::from(uid),
        queue_id: "q".into(),
        from: Some("a@x.test".into()),
        subject: Some(format!("message {uid}")),
        folder: folder.into(),
        uid: Uid::new(uid),
        flags: vec!["\\Seen".into()],
        modseq: i64::from(uid),
        header: None,
    }
}

#[tokio::test]
#[ignore = "a measure: bench/run.sh runs it"]
async fn the_watches_and_a_woken_read_at_scale() {
    let server = TestStore::start();
    let store = server.store().await;
    let db = store.database_for_tests().clone();
    let admin = Admin::new(&store);
    admin.add_domain("scale.test").await.unwrap();
    admin
        .add_mailbox("big@scale.test", "a long password here", 0)
        .await
        .unwrap();

    // 10,000 sessions, each on a mailbox and a folder of its own: the worst
    // case for one look, which reads them all.
    let model: Document = db
        .collection::<Document>("mailboxes")
        .find_one(doc! { "_id": "big@scale.test" })
        .await
        .unwrap()
        .unwrap();
    let mut addresses = Vec::new();
    let mut mailboxes = Vec::new();
    let mut folders = Vec::new();
    for n in 0..CLIENTS {
        let address = format!("u{n}@scale.test");
        let mut m = model.clone();
        m.insert("_id", &address);
        m.insert("address", &address);
        mailboxes.push(m);
        let id = format!("{address}/INBOX");
        folders.push(doc! { "_id": &id, "mailbox": &address, "name": "INBOX", "modseq": 1_i64 });
        addresses.push(address);
    }
    db.collection::<Document>("mailboxes")
        .insert_many(mailboxes)
        .await
        .unwrap();
    let folder_ids: Vec<String> = folders
        .iter()
        .map(|f| f.get_str("_id").unwrap().to_string())
        .collect();
    db.collection::<Document>("folders")
        .insert_many(folders)
        .await
        .unwrap();

    // One folder of 100,000 messages.
    store
        .ensure_default_folders("big@scale.test")
        .await
        .unwrap();
    let inbox = store
        .get_folder("big@scale.test", "INBOX")
        .await
        .unwrap()
        .unwrap();
    let entries = db.collection::<MailboxEntry>("mailbox_messages");
    for start in (1..=MESSAGES).step_by(10_000) {
        let batch: Vec<MailboxEntry> = (start..start + 10_000)
            .map(|uid| entry(&inbox.id, uid))
            .collect();
        entries.insert_many(batch).await.unwrap();
    }
    let last = Uid::new(MESSAGES);
    let known = i64::from(MESSAGES);

    let folder_look = timed(20, || store.folder_modseqs(&folder_ids)).await;
    let mailbox_look = timed(20, || {
        mismo_core::auth::usable_mailboxes(&store, &addresses)
    })
    .await;
    let nothing_new = timed(50, || {
        store.folder_changes("big@scale.test", &inbox.id, last, known)
    })
    .await;
    // One message arrives and one changes flags: what a woken session reads.
    entries
        .insert_one(entry(&inbox.id, MESSAGES + 1))
        .await
        .unwrap();
    let one_new = timed(50, || {
        store.folder_changes("big@scale.test", &inbox.id, last, known - 1)
    })
    .await;
    let whole = timed(3, || store.list_folder("big@scale.test", &inbox.id)).await;
    let read = store
        .folder_changes("big@scale.test", &inbox.id, last, known - 1)
        .await
        .unwrap();
    assert_eq!(read.changed.len(), 2, "the new one and the one at the mark");

    println!("\nThe watches and a woken session's read, on one store (ms of wall time per call)\n");
    println!("| read | when | ms |");
    println!("|---|---|---|");
    println!("| mod-sequences of {CLIENTS} selected folders | every 500 ms per imapd | {folder_look:.1} |");
    println!("| {CLIENTS} sessions' mailboxes and their domain | every 5 s per imapd and pop3d | {mailbox_look:.1} |");
    println!("| what changed in a {MESSAGES}-message folder, nothing new | a woken session | {nothing_new:.2} |");
    println!("| the same, one new and one changed | a woken session | {one_new:.2} |");
    println!("| the whole {MESSAGES}-message folder | what NOOP and each IDLE second read before | {whole:.0} |");
}
