//! Folders, UIDs and flags against a real store: the guarantees IMAP clients
//! build their caches on.

use mismo_core::model::*;
use mismo_core::store::{names, FlagChange};
use mismo_core::StoreError;
use mismo_testkit::{deliver, TestStore};
use mongodb::bson::doc;

const ZOE: &str = "zoe@example.org";

#[tokio::test]
async fn default_folders_are_made_once_with_their_special_uses() {
    let server = TestStore::start();
    let store = server.store().await;
    store.ensure_default_folders(ZOE).await.unwrap();
    store.ensure_default_folders(ZOE).await.unwrap();
    let folders = store.list_folders(ZOE).await.unwrap();
    let mut names: Vec<(&str, Option<&str>)> = folders
        .iter()
        .map(|f| (f.name.as_str(), f.special_use.as_deref()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("Drafts", Some("\\Drafts")),
            ("INBOX", None),
            ("Junk", Some("\\Junk")),
            ("Sent", Some("\\Sent")),
            ("Trash", Some("\\Trash")),
        ]
    );
    let inbox = store.get_folder(ZOE, "inbox").await.unwrap().unwrap();
    assert_eq!(inbox.id, Folder::inbox_id(ZOE));
}

#[tokio::test]
async fn uids_grow_and_are_never_reused_even_when_written_at_once() {
    let server = TestStore::start();
    let store = server.store().await;
    // Eight writers at once, as several qprocessors delivering to one
    // mailbox: every UID distinct, and in the order the entries became
    // visible.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut uids = Vec::new();
            for _ in 0..5 {
                uids.push(
                    deliver(&store, ZOE, b"Subject: x\r\n\r\nbody\r\n")
                        .await
                        .uid,
                );
            }
            uids
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        let uids = t.await.unwrap();
        assert!(uids.windows(2).all(|w| w[0] < w[1]), "{uids:?}");
        all.extend(uids);
    }
    all.sort();
    assert_eq!(all, (1..=40).map(Uid::new).collect::<Vec<_>>());

    // The highest is expunged; the next message does not get its UID.
    let inbox = Folder::inbox_id(ZOE);
    let listed = store.list_folder(ZOE, &inbox).await.unwrap();
    let last = listed.last().unwrap();
    assert_eq!(last.uid, 40);
    store
        .delete_entries(ZOE, std::slice::from_ref(&last.id))
        .await
        .unwrap();
    assert_eq!(deliver(&store, ZOE, b"\r\nnext\r\n").await.uid, 41);

    // The index itself refuses a second message under a taken UID.
    let mut copy = listed[0].clone();
    copy.id = new_id();
    let raw = store
        .database_for_tests()
        .collection::<MailboxEntry>(names::MAILBOX_MESSAGES);
    match raw.insert_one(&copy).await {
        Err(e) => assert!(matches!(StoreError::from(e), StoreError::Duplicate(_))),
        Ok(_) => panic!("a UID taken twice"),
    }
}

#[tokio::test]
async fn flags_change_under_a_new_modseq() {
    let server = TestStore::start();
    let store = server.store().await;
    let a = deliver(&store, ZOE, b"\r\na\r\n").await;
    let b = deliver(&store, ZOE, b"\r\nb\r\n").await;
    assert!(b.modseq > a.modseq);
    let inbox = Folder::inbox_id(ZOE);
    let seen = vec!["\\Seen".to_string(), "$Label1".to_string()];
    let changed = store
        .change_flags(ZOE, &inbox, &[a.uid, b.uid], FlagChange::Add(&seen))
        .await
        .unwrap();
    assert_eq!(changed.len(), 2);
    assert!(changed
        .iter()
        .all(|e| e.flags == seen && e.modseq > b.modseq));
    let first = changed[0].modseq;
    let again = store
        .change_flags(
            ZOE,
            &inbox,
            &[a.uid],
            FlagChange::Remove(&["$Label1".to_string()]),
        )
        .await
        .unwrap();
    assert_eq!(again[0].flags, ["\\Seen"]);
    assert!(again[0].modseq > first);
    let replaced = store
        .change_flags(
            ZOE,
            &inbox,
            &[b.uid],
            FlagChange::Replace(&["\\Flagged".to_string()]),
        )
        .await
        .unwrap();
    assert_eq!(replaced[0].flags, ["\\Flagged"]);
    let folder = store.get_folder(ZOE, "INBOX").await.unwrap().unwrap();
    assert_eq!(folder.modseq, replaced[0].modseq, "HIGHESTMODSEQ");
}

#[tokio::test]
async fn folders_are_created_renamed_and_deleted() {
    let server = TestStore::start();
    let store = server.store().await;
    let mb = mismo_core::model::Mailbox {
        address: ZOE.into(),
        domain: "example.org".into(),
        password_hash: String::new(),
        state: Activation::Enabled,
        quota_bytes: 0,
        display_name: None,
        created_at: now_ms(),
        pgp_public_key: None,
    };
    store.insert_mailbox(&mb).await.unwrap();
    let work = store.create_folder(ZOE, "Work").await.unwrap();
    store.create_folder(ZOE, "Work/2026").await.unwrap();
    assert!(matches!(
        store.create_folder(ZOE, "Work").await,
        Err(StoreError::Duplicate(_))
    ));
    assert!(store.rename_folder(ZOE, "Work", "Job").await.unwrap());
    let names: Vec<String> = store
        .list_folders(ZOE)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, ["Job", "Job/2026"]);
    let job = store.get_folder(ZOE, "Job").await.unwrap().unwrap();
    assert_eq!(
        (job.id.as_str(), job.uidvalidity),
        (work.id.as_str(), work.uidvalidity)
    );
    assert!(!store.rename_folder(ZOE, "Nope", "Other").await.unwrap());

    // Deleted and made again at once: a new UIDVALIDITY all the same.
    assert!(store.delete_folder(ZOE, &job).await.unwrap());
    let again = store.create_folder(ZOE, "Job").await.unwrap();
    assert!(again.uidvalidity > job.uidvalidity);
    assert!(again.uidvalidity <= i64::from(u32::MAX));
    assert!(store.set_subscribed(ZOE, "Job", false).await.unwrap());
    assert!(
        !store
            .get_folder(ZOE, "Job")
            .await
            .unwrap()
            .unwrap()
            .subscribed
    );
}

#[tokio::test]
async fn entries_from_before_folders_are_filed_into_inbox() {
    let server = TestStore::start();
    let store = server.store().await;
    let raw = store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(names::MAILBOX_MESSAGES);
    let blob = store.put_blob(b"\r\nold\r\n").await.unwrap();
    for (i, seen) in [(1, 1), (2, 0)] {
        raw.insert_one(doc! {
            "_id": format!("old{i}"), "mailbox": ZOE,
            "blob": mongodb::bson::to_bson(&blob).unwrap(),
            "size": 7_i64, "received_at": i64::from(i), "queue_id": "q",
            "from": null, "subject": null, "seen": seen,
        })
        .await
        .unwrap();
    }
    store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(names::META)
        .delete_many(doc! {})
        .await
        .unwrap();
    store.ensure_schema().await.unwrap();
    let filed = store
        .list_folder(ZOE, &Folder::inbox_id(ZOE))
        .await
        .unwrap();
    let got: Vec<(&str, i64, Vec<String>)> = filed
        .iter()
        .map(|e| (e.id.as_str(), i64::from(e.uid), e.flags.clone()))
        .collect();
    assert_eq!(
        got,
        [("old1", 1, vec!["\\Seen".to_string()]), ("old2", 2, vec![])]
    );
}

#[tokio::test]
async fn headers_are_kept_apart_for_reading_without_bodies() {
    let server = TestStore::start();
    let store = server.store().await;
    let e = deliver(
        &store,
        ZOE,
        b"Subject: x\r\nFrom: a@b.test\r\n\r\nthe body\r\n",
    )
    .await;
    assert_eq!(
        e.header.as_deref(),
        Some(&b"Subject: x\r\nFrom: a@b.test\r\n\r\n"[..])
    );
    let got = store
        .get_headers(ZOE, std::slice::from_ref(&e.id))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    let header = got[0].1.clone().unwrap();
    assert!(
        header.ends_with(b"From: a@b.test\r\n\r\n") && !header.windows(8).any(|w| w == b"the body")
    );
    assert_eq!(header_block(b"\r\nbody"), Some(b"\r\n".to_vec()));
    assert_eq!(header_block(b"Subject: no end"), None);
}
