//! isync (`mbsync`): a full sync of 2,000 messages into a Maildir, a change
//! on each side, and a resync after which both sides agree. In between, the
//! same folder read by header with imaplib.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{start, Imap, PASSWORD, ZOE};
use mismo_core::model::Folder;
use mismo_core::store::FlagChange;
use mismo_testkit::deliver;

const MESSAGES: usize = 2000;

fn config(imap: &Imap, maildir: &Path) -> PathBuf {
    let path = maildir.with_extension("mbsyncrc");
    let text = format!(
        "IMAPAccount mismo\n\
         Host 127.0.0.1\n\
         Port {port}\n\
         User {ZOE}\n\
         Pass \"{pass}\"\n\
         SSLType IMAPS\n\
         CertificateFile {cert}\n\
         AuthMechs PLAIN\n\
         \n\
         IMAPStore remote\n\
         Account mismo\n\
         \n\
         MaildirStore local\n\
         Path {dir}/\n\
         Inbox {dir}/INBOX\n\
         \n\
         Channel sync\n\
         Far :remote:\n\
         Near :local:\n\
         Patterns INBOX\n\
         Create Near\n\
         Expunge Both\n\
         SyncState *\n\
         Sync All\n",
        port = imap.tls,
        pass = PASSWORD.replace('"', "\\\""),
        cert = imap.certificate().display(),
        dir = maildir.display(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn mbsync(imap: &Imap, config: &Path) {
    let mut cmd = Command::new("mbsync");
    cmd.arg("-c").arg(config).arg("-q").arg("sync");
    imap.run(cmd);
}

/// The local messages by subject, with their Maildir flags.
fn local(maildir: &Path) -> BTreeMap<String, (PathBuf, String)> {
    let mut out = BTreeMap::new();
    for sub in ["cur", "new"] {
        let Ok(dir) = std::fs::read_dir(maildir.join("INBOX").join(sub)) else {
            continue;
        };
        for f in dir {
            let path = f.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let subject = text
                .lines()
                .find_map(|l| l.strip_prefix("Subject: "))
                .unwrap()
                .to_string();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let flags = name
                .rsplit_once(":2,")
                .map(|(_, f)| f.to_string())
                .unwrap_or_default();
            assert!(out.insert(subject, (path, flags)).is_none(), "duplicate");
        }
    }
    out
}

/// The server's messages by subject, with their IMAP flags.
async fn remote(imap: &Imap) -> BTreeMap<String, Vec<String>> {
    let entries = imap
        .store
        .list_folder(ZOE, &Folder::inbox_id(ZOE))
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for e in entries {
        let blob = imap.store.readable_blob(&e).await.unwrap().unwrap();
        let bytes = imap.store.get_blob(&blob).await.unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let subject = text
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap()
            .to_string();
        out.insert(subject, e.flags);
    }
    out
}

#[tokio::test]
async fn mbsync_full_sync_changes_on_both_sides_and_resync() {
    let imap = start().await;
    let mut writers = Vec::new();
    for w in 0..4 {
        let store = imap.store.clone();
        writers.push(tokio::spawn(async move {
            for i in (w..MESSAGES).step_by(4) {
                let raw =
                    format!("From: bob@example.net\r\nSubject: Message {i}\r\n\r\nBody {i}\r\n");
                deliver(&store, ZOE, raw.as_bytes()).await;
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    std::fs::create_dir_all(&maildir).unwrap();
    let cfg = config(&imap, &maildir);

    mbsync(&imap, &cfg);
    let first = local(&maildir);
    assert_eq!(first.len(), MESSAGES);
    assert_eq!(
        first.keys().cloned().collect::<Vec<_>>(),
        remote(&imap).await.keys().cloned().collect::<Vec<_>>()
    );

    // Read by header over imaplib: ENVELOPEs, header SEARCHes.
    let out = imap.python(
        "imap_scan.py",
        &[
            "127.0.0.1".into(),
            imap.tls.to_string(),
            ZOE.into(),
            PASSWORD.into(),
            MESSAGES.to_string(),
        ],
    );
    assert_eq!(out.lines().last(), Some("ok"), "{out}");

    // On the server: a flag, an expunge, a delivery.
    let inbox = Folder::inbox_id(ZOE);
    let entries = imap.store.list_folder(ZOE, &inbox).await.unwrap();
    let by_subject = |s: &str| {
        entries
            .iter()
            .find(|e| e.subject.as_deref() == Some(s))
            .unwrap()
            .clone()
    };
    imap.store
        .change_flags(
            ZOE,
            &inbox,
            &[by_subject("Message 1").uid],
            FlagChange::Add(&["\\Flagged".to_string()]),
        )
        .await
        .unwrap();
    imap.store
        .delete_entries(ZOE, &[by_subject("Message 2").id])
        .await
        .unwrap();
    deliver(
        &imap.store,
        ZOE,
        b"From: bob@example.net\r\nSubject: Server new\r\n\r\nNew\r\n",
    )
    .await;
    // In the Maildir: read, removed, added.
    let (path, flags) = &first["Message 10"];
    assert!(!flags.contains('S'));
    let read = path.with_file_name(format!("{}S", path.file_name().unwrap().to_string_lossy()));
    std::fs::rename(path, &read).unwrap();
    std::fs::remove_file(&first["Message 11"].0).unwrap();
    std::fs::write(
        maildir.join("INBOX/new/1700000000.local1.host"),
        "From: zoe@example.org\r\nSubject: Local new\r\n\r\nWritten offline\r\n",
    )
    .unwrap();

    mbsync(&imap, &cfg);
    let near = local(&maildir);
    let far = remote(&imap).await;
    assert_eq!(
        near.keys().collect::<Vec<_>>(),
        far.keys().collect::<Vec<_>>(),
        "both sides hold the same messages"
    );
    assert_eq!(near.len(), MESSAGES);
    assert!(far.contains_key("Local new") && near.contains_key("Server new"));
    assert!(!far.contains_key("Message 11") && !near.contains_key("Message 2"));
    assert!(far["Message 10"].contains(&"\\Seen".to_string()));
    assert!(near["Message 1"].1.contains('F'));
    for (subject, flags) in &far {
        let (_, maildir_flags) = &near[subject];
        assert_eq!(
            flags.contains(&"\\Seen".to_string()),
            maildir_flags.contains('S'),
            "{subject}: {flags:?} / {maildir_flags}"
        );
    }

    // A third run finds nothing to do and changes nothing.
    mbsync(&imap, &cfg);
    assert_eq!(
        local(&maildir).keys().collect::<Vec<_>>(),
        near.keys().collect::<Vec<_>>()
    );
    assert_eq!(remote(&imap).await, far);
}
