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
    // The name sent in modified UTF-7 is kept in UTF-8, and CREATE made
    // the level above it as well.
    assert!(folders.contains(&"Entwürfe".to_string()), "{folders:?}");
    assert!(
        folders.contains(&"Entwürfe/日本語".to_string()),
        "{folders:?}"
    );
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

#[tokio::test]
async fn a_delivery_is_seen_at_once_over_imap_pop3_and_the_store() {
    let imap = start().await;
    let pop3s = mismo_testkit::free_port();
    let mut env = imap.server.env();
    env.push((
        "POP3_LISTEN".into(),
        format!("127.0.0.1:{}", mismo_testkit::free_port()),
    ));
    env.push(("POP3S_LISTEN".into(), format!("127.0.0.1:{pop3s}")));
    let _pop3d = mismo_testkit::service::Service::start(
        &mismo_testkit::binary("pop3d"),
        &env,
        imap.server.data_dir(),
        ([127, 0, 0, 1], pop3s).into(),
    );
    let mut client = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/imap_pop.py"))
        .args([
            "127.0.0.1",
            &imap.tls.to_string(),
            &pop3s.to_string(),
            ZOE,
            PASSWORD,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(client.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    if line.trim() != "idling" {
        let out = client.wait_with_output().unwrap();
        panic!(
            "{line}{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            imap.service.log_text()
        );
    }
    // As qprocessor delivers: into the store, with the delivery headers.
    let blob = imap
        .store
        .put_blob(b"From: bob@example.net\r\nSubject: hi\r\n\r\nHello\r\n")
        .await
        .unwrap();
    let mut entry = mismo_core::model::MailboxEntry {
        id: mismo_core::model::new_id(),
        mailbox: ZOE.into(),
        size: blob.size,
        blob,
        delivery_headers: mismo_core::model::delivery_headers("bob@example.net", ZOE),
        received_at: mismo_core::model::now_ms(),
        queue_id: "q".into(),
        from: None,
        subject: None,
        folder: Folder::inbox_id(ZOE),
        uid: Default::default(),
        flags: Vec::new(),
        modseq: 0,
        header: None,
    };
    entry.size += entry.delivery_headers.len() as i64;
    imap.store.insert_entry(&mut entry).await.unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let out = client.wait_with_output().unwrap();
    assert!(
        out.status.success() && rest.trim() == "ok",
        "{rest}{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        imap.service.log_text()
    );
    assert!(imap
        .store
        .list_folder(ZOE, &Folder::inbox_id(ZOE))
        .await
        .unwrap()
        .is_empty());
}
