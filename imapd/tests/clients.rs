//! imapd with more mail programs nobody here wrote: offlineimap,
//! fetchmail and neomutt over IMAP.

mod common;

use std::process::Command;

use common::{start, PASSWORD, ZOE};
use mismo_core::model::Folder;
use mismo_testkit::deliver;

async fn three_messages(imap: &common::Imap) {
    for i in 1..=3 {
        let raw = format!("From: bob@example.net\r\nSubject: Note {i}\r\n\r\nBody {i}\r\n");
        deliver(&imap.store, ZOE, raw.as_bytes()).await;
    }
}

#[tokio::test]
async fn offlineimap_syncs_both_ways() {
    let imap = start().await;
    three_messages(&imap).await;
    let dir = tempfile::tempdir().unwrap();
    let out = imap.python(
        "offlineimap_sync.py",
        &[
            imap.tls.to_string(),
            ZOE.into(),
            PASSWORD.into(),
            imap.certificate().display().to_string(),
            dir.path().display().to_string(),
        ],
    );
    assert_eq!(out.lines().last(), Some("ok"), "{out}");
    // The message read offline is read on the server too.
    let inbox = imap
        .store
        .list_folder(ZOE, &Folder::inbox_id(ZOE))
        .await
        .unwrap();
    let seen: Vec<&str> = inbox
        .iter()
        .filter(|e| e.has_flag("\\Seen"))
        .filter_map(|e| e.subject.as_deref())
        .collect();
    assert_eq!(seen, ["Note 1"]);
    // The message written offline was uploaded into Drafts.
    let drafts = imap.store.get_folder(ZOE, "Drafts").await.unwrap().unwrap();
    let uploaded = imap.store.list_folder(ZOE, &drafts.id).await.unwrap();
    assert_eq!(uploaded.len(), 1);
    assert_eq!(uploaded[0].subject.as_deref(), Some("Offline draft"));
}

#[tokio::test]
async fn fetchmail_collects_over_imap() {
    let imap = start().await;
    three_messages(&imap).await;
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("collected");
    let rc = dir.path().join("fetchmailrc");
    std::fs::write(
        &rc,
        format!(
            "poll 127.0.0.1 service {port} protocol IMAP auth password\n  \
             user \"{ZOE}\" password \"{pass}\" is nobody here\n  \
             ssl no sslcertck\n  \
             mda \"/bin/sh -c 'cat >> {mbox}'\"\n",
            port = imap.tls,
            pass = PASSWORD,
            mbox = mbox.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&rc).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o600);
    std::fs::set_permissions(&rc, perms).unwrap();
    let mut cmd = Command::new("fetchmail");
    cmd.arg("-f")
        .arg(&rc)
        .arg("--nodetach")
        .arg("--nosyslog")
        .env("HOME", dir.path())
        .env("FETCHMAILHOME", dir.path());
    imap.run(cmd);
    let collected = std::fs::read_to_string(&mbox).unwrap();
    for i in 1..=3 {
        assert!(
            collected.contains(&format!("Subject: Note {i}")),
            "{collected}"
        );
    }
    // fetchmail deletes what it collected (no `keep`).
    assert!(imap
        .store
        .list_folder(ZOE, &Folder::inbox_id(ZOE))
        .await
        .unwrap()
        .is_empty());
}

/// neomutt, scripted: it opens INBOX over IMAP, tags every message and
/// saves them into a folder whose name is not ASCII (so the name travels in
/// modified UTF-7 as neomutt spells it), then syncs, which expunges them
/// from INBOX. neomutt files mail over IMAP only from its screen, never in
/// `-b`atch mode, so it runs in a pseudo-terminal from `script` with its
/// keys pushed from the configuration.
#[tokio::test]
async fn neomutt_moves_mail_into_a_folder_named_in_utf8() {
    let imap = start().await;
    three_messages(&imap).await;
    imap.store.create_folder(ZOE, "Entwürfe").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rc = dir.path().join("neomuttrc");
    std::fs::write(
        &rc,
        format!(
            "set charset=\"utf-8\"\n\
             set folder=\"imaps://localhost:{port}/\"\n\
             set imap_user=\"{ZOE}\"\n\
             set imap_pass=\"{PASSWORD}\"\n\
             set ssl_ca_certificates_file=\"{cert}\"\n\
             set certificate_file=\"{certs}\"\n\
             set ssl_force_tls=yes\n\
             set confirmappend=no delete=yes quit=yes move=no mark_old=no\n\
             push \"<tag-pattern>~A<enter><tag-prefix><save-message>=Entwürfe<enter><sync-mailbox><quit>\"\n",
            port = imap.tls,
            cert = imap.certificate().display(),
            certs = dir.path().join("certificates").display(),
        ),
    )
    .unwrap();
    let neomutt = format!("neomutt -n -F '{}' -f =INBOX", rc.display());
    let mut cmd = Command::new("timeout");
    cmd.args(["120", "script", "-qec", &neomutt, "/dev/null"])
        .env("HOME", dir.path())
        .env("LANG", "C.UTF-8")
        .env("TERM", "xterm");
    imap.run(cmd);
    let inbox = imap
        .store
        .list_folder(ZOE, &Folder::inbox_id(ZOE))
        .await
        .unwrap();
    assert!(inbox.is_empty(), "{inbox:?}\n{}", imap.service.log_text());
    let folder = imap
        .store
        .get_folder(ZOE, "Entwürfe")
        .await
        .unwrap()
        .unwrap();
    let saved = imap.store.list_folder(ZOE, &folder.id).await.unwrap();
    let mut subjects: Vec<&str> = saved.iter().filter_map(|e| e.subject.as_deref()).collect();
    subjects.sort();
    assert_eq!(subjects, ["Note 1", "Note 2", "Note 3"]);
}
