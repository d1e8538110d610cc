//! imapd with clients nobody here wrote: Python's imaplib, every command.

use std::process::Command;

use mismo_core::admin::Admin;
use mismo_core::model::Folder;
use mismo_core::Store;
use mismo_testkit::service::Service;
use mismo_testkit::{deliver, free_port, TestStore};

const ZOE: &str = "zoe@example.org";
const PASSWORD: &str = "zoe's long password";

struct Imap {
    _server: TestStore,
    store: Store,
    _service: Service,
    plain: u16,
    tls: u16,
}

async fn start() -> Imap {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin.add_mailbox(ZOE, PASSWORD, 0).await.unwrap();
    let (plain, tls) = (free_port(), free_port());
    let mut env = server.env();
    env.push(("IMAP_LISTEN".into(), format!("127.0.0.1:{plain}")));
    env.push(("IMAPS_LISTEN".into(), format!("127.0.0.1:{tls}")));
    env.push(("MISMO_HOSTNAME".into(), "imap.example.org".into()));
    let service = Service::start(
        env!("CARGO_BIN_EXE_imapd"),
        &env,
        server.data_dir(),
        ([127, 0, 0, 1], tls).into(),
    );
    Imap {
        _server: server,
        store,
        _service: service,
        plain,
        tls,
    }
}

impl Imap {
    /// Runs a client script; on failure, says what it printed and what
    /// imapd logged.
    fn python(&self, script: &str, args: &[String]) -> String {
        let out = Command::new("python3")
            .arg(format!("{}/tests/py/{script}", env!("CARGO_MANIFEST_DIR")))
            .args(args)
            .output()
            .expect("python3");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{script}: {stdout}{}\nimapd's log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            self._service.log_text()
        );
        stdout
    }
}

#[allow(dead_code)]
fn python(script: &str, args: &[String]) -> String {
    let out = Command::new("python3")
        .arg(format!("{}/tests/py/{script}", env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .output()
        .expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

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
