//! imapd with clients nobody here wrote: Python's imaplib, every command.

mod common;

use common::{start, PASSWORD, ZOE};
use mismo_core::model::Folder;
use mismo_testkit::deliver;

#[tokio::test]
async fn imaplib_every_command() {
    let imap = start().await;
    deliver(
        &imap.store,
        ZOE,
        "From: Zoë <zoe@example.org>\r\nTo: bob@example.net\r\nSubject: First\r\n\r\nBody of the first message\r\n".as_bytes(),
    )
    .await;
    deliver(
        &imap.store,
        ZOE,
        b"From: bob@example.net\r\nSubject: Second\r\nX-Tag: blue\r\n\r\nsecond body\r\n",
    )
    .await;
    deliver(
        &imap.store,
        ZOE,
        b"From: far@far.test\r\nSubject: Third\r\n\r\nthird body\r\n",
    )
    .await;
    let out = imap.python(
        "imap_tour.py",
        &[
            "127.0.0.1".into(),
            imap.plain.to_string(),
            imap.tls.to_string(),
            ZOE.into(),
            PASSWORD.into(),
        ],
    );
    assert_eq!(out.trim(), "ok");

    // What the session did is in the store, for POP3 and webmail alike.
    let inbox = imap
        .store
        .list_folder(ZOE, &Folder::inbox_id(ZOE))
        .await
        .unwrap();
    assert_eq!(inbox.len(), 1, "one left in INBOX");
    assert!(inbox[0].has_flag("\\Flagged") && inbox[0].has_flag("$Later"));
    assert!(inbox[0].has_flag("$Idle"), "the second session's STORE");
    let junk = imap.store.get_folder(ZOE, "Junk").await.unwrap().unwrap();
    let moved = imap.store.list_folder(ZOE, &junk.id).await.unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].subject.as_deref(), Some("Third"));
    assert!(moved[0].has_flag("\\Answered"), "flags travel with MOVE");
    let trash = imap.store.get_folder(ZOE, "Trash").await.unwrap().unwrap();
    assert!(imap
        .store
        .list_folder(ZOE, &trash.id)
        .await
        .unwrap()
        .is_empty());
    let folders: Vec<String> = imap
        .store
        .list_folders(ZOE)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert!(folders.contains(&"Job".to_string()));
    assert!(!folders.contains(&"Job/2026".to_string()));
}

#[tokio::test]
async fn a_20_mb_append_comes_back_byte_exact_and_bounds_hold() {
    let imap = start().await;
    let out = imap.python(
        "imap_big.py",
        &[
            "127.0.0.1".into(),
            imap.tls.to_string(),
            ZOE.into(),
            PASSWORD.into(),
            "20".into(),
        ],
    );
    assert_eq!(out.trim(), "ok");
    let inbox = imap
        .store
        .list_folder(ZOE, &Folder::inbox_id(ZOE))
        .await
        .unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].size > 20 * 1000 * 1000, "stored in chunks, whole");
    assert!(inbox[0].blob.chunks > 1);
}
