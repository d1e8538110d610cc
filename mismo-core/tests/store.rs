//! The store subset Mismo relies on, checked against a real server: a fresh
//! `secantusd-rs` per test, or the MongoDB named by MISMO_TEST_MONGODB_URI.

use std::time::{Duration, Instant};

use mismo_core::config::StoreSettings;
use mismo_core::model::*;
use mismo_core::store::{names, DueScan, COLLECTIONS};
use mismo_core::{password, Store, StoreError};
use mismo_testkit::TestStore;

fn mailbox(address: &str) -> Mailbox {
    Mailbox {
        address: address.into(),
        domain: address.split('@').nth(1).unwrap().into(),
        password_hash: password::hash("secret password").unwrap(),
        state: Activation::Enabled,
        quota_bytes: 5 << 30,
        display_name: Some("Zoë Example".into()),
        created_at: now_ms(),
        pgp_public_key: None,
    }
}

#[tokio::test]
async fn schema_setup_is_idempotent() {
    let server = TestStore::start();
    let store = server.store().await;
    let mut before = Vec::new();
    for spec in COLLECTIONS {
        before.push(store.index_keys(spec.name).await.unwrap().len());
    }
    store.ensure_schema().await.expect("second run");
    store.ensure_schema().await.expect("third run");
    let existing = store
        .database_for_tests()
        .list_collection_names()
        .await
        .unwrap();
    for (spec, count) in COLLECTIONS.iter().zip(before) {
        assert!(
            existing.iter().any(|n| n == spec.name),
            "{} missing",
            spec.name
        );
        assert!(!spec.name.contains('.'));
        assert!(!spec.shard_key.is_empty());
        let indexes = store.index_keys(spec.name).await.unwrap();
        assert_eq!(indexes.len(), count, "{}: indexes added twice", spec.name);
        for index in (spec.indexes)() {
            assert!(
                indexes.contains(&index.keys),
                "{}: index {} missing: {indexes:?}",
                spec.name,
                index.name
            );
        }
    }
}

#[tokio::test]
async fn domains_round_trip_and_change_state() {
    let server = TestStore::start();
    let store = server.store().await;
    let domain = Domain::new("example.org".into());
    store.insert_domain(&domain).await.unwrap();
    assert_eq!(
        store.get_domain("example.org").await.unwrap(),
        Some(domain.clone())
    );
    assert!(matches!(
        store.insert_domain(&domain).await,
        Err(StoreError::Duplicate(_))
    ));

    assert!(store
        .set_domain_state("example.org", Activation::Disabled)
        .await
        .unwrap());
    assert!(!store
        .set_domain_state("nowhere.test", Activation::Disabled)
        .await
        .unwrap());
    let verification = Verification {
        token: domain.verification.token.clone(),
        status: VerificationStatus::Verified,
        checked_at: Some(now_ms()),
        detail: Some("TXT record found".into()),
    };
    store
        .set_domain_verification("example.org", &verification)
        .await
        .unwrap();
    let back = store.get_domain("example.org").await.unwrap().unwrap();
    assert_eq!(back.state, Activation::Disabled);
    assert_eq!(back.verification, verification);

    store
        .insert_domain(&Domain::new("a.test".into()))
        .await
        .unwrap();
    let names: Vec<String> = store
        .list_domains()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, ["a.test", "example.org"]);
    assert!(store.remove_domain("a.test").await.unwrap());
    assert!(!store.remove_domain("a.test").await.unwrap());
}

#[tokio::test]
async fn mailboxes_round_trip_and_refuse_duplicates() {
    let server = TestStore::start();
    let store = server.store().await;
    let mb = mailbox("zoe@example.org");
    store.insert_mailbox(&mb).await.unwrap();
    assert_eq!(
        store.get_mailbox("zoe@example.org").await.unwrap(),
        Some(mb.clone())
    );

    let again = mailbox("zoe@example.org");
    match store.insert_mailbox(&again).await {
        Err(StoreError::Duplicate(_)) => {}
        other => panic!("duplicate address accepted: {other:?}"),
    }
    assert_eq!(store.list_mailboxes(None).await.unwrap().len(), 1);

    assert!(store
        .set_mailbox_state("zoe@example.org", Activation::Disabled)
        .await
        .unwrap());
    let new_hash = password::hash("another password").unwrap();
    assert!(store
        .set_password_hash("zoe@example.org", &new_hash)
        .await
        .unwrap());
    store
        .set_pgp_public_key("zoe@example.org", "-----BEGIN PGP PUBLIC KEY BLOCK-----")
        .await
        .unwrap();
    let back = store.get_mailbox("zoe@example.org").await.unwrap().unwrap();
    assert_eq!(back.state, Activation::Disabled);
    assert!(password::verify("another password", &back.password_hash));
    assert!(!password::verify("secret password", &back.password_hash));
    assert!(back.pgp_public_key.is_some());

    store
        .insert_mailbox(&mailbox("al@other.test"))
        .await
        .unwrap();
    assert_eq!(
        store
            .list_mailboxes(Some("other.test"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.count_mailboxes("example.org").await.unwrap(), 1);
    store
        .insert_mailbox(&mailbox("bo@other.test"))
        .await
        .unwrap();
    let counts = store.mailbox_counts().await.unwrap();
    assert_eq!(
        (
            counts.get("example.org"),
            counts.get("other.test"),
            counts.len()
        ),
        (Some(&1), Some(&2), 2)
    );
    assert!(store.remove_mailbox("bo@other.test").await.unwrap());
    assert!(store.remove_mailbox("al@other.test").await.unwrap());
    assert_eq!(store.get_mailbox("al@other.test").await.unwrap(), None);
}

#[tokio::test]
async fn aliases_round_trip_and_merge_targets() {
    let server = TestStore::start();
    let store = server.store().await;
    let a = store
        .add_alias_targets(
            "info@example.org",
            "example.org",
            &["zoe@example.org".into(), "zoe@example.org".into()],
        )
        .await
        .unwrap();
    assert_eq!(a.targets, ["zoe@example.org"]);
    store
        .add_alias_targets("info@example.org", "example.org", &["bob@far.test".into()])
        .await
        .unwrap();
    let catch_all = store
        .add_alias_targets("@example.org", "example.org", &["zoe@example.org".into()])
        .await
        .unwrap();
    assert!(catch_all.is_catch_all());
    let back = store.get_alias("info@example.org").await.unwrap().unwrap();
    assert_eq!(back.targets, ["zoe@example.org", "bob@far.test"]);
    assert!(!back.is_catch_all());
    assert_eq!(
        store.get_alias("@example.org").await.unwrap(),
        Some(catch_all)
    );
    assert_eq!(
        store.list_aliases(Some("example.org")).await.unwrap().len(),
        2
    );
    assert_eq!(store.count_aliases("example.org").await.unwrap(), 2);
    assert!(store.remove_alias("info@example.org").await.unwrap());
    assert_eq!(store.list_aliases(None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn queue_documents_round_trip() {
    let server = TestStore::start();
    let store = server.store().await;
    let blob = store
        .put_blob(b"Subject: hi\r\n\r\nhello\r\n")
        .await
        .unwrap();
    let msg = QueuedMessage {
        id: new_id(),
        state: QueueState::Enqueued,
        mail_from: "sender@far.test".into(),
        recipients: vec![
            Recipient {
                address: "zoe@example.org".into(),
                status: RecipientStatus::Pending,
                orcpt: Some("rfc822;zoe@example.org".into()),
                notify: Some("FAILURE,DELAY".into()),
                attempts: 0,
                last_reply: None,
                updated_at: 7, // small i64: comes back as Int32 from some servers
                forwarded: vec!["friend@far.test".into()],
            },
            Recipient {
                address: "ünï@example.org".into(),
                status: RecipientStatus::Deferred,
                orcpt: None,
                notify: None,
                attempts: 2,
                last_reply: Some("451 4.3.0 try later".into()),
                updated_at: now_ms(),
                forwarded: Vec::new(),
            },
        ],
        blob,
        headers: HeaderSummary {
            from: Some("Sender <sender@far.test>".into()),
            to: vec!["zoe@example.org".into()],
            subject: Some("Grüße".into()),
            date: Some("Sun, 22 Nov 2026 18:00:00 +0000".into()),
            message_id: Some("<1@far.test>".into()),
        },
        attachments: vec![AttachmentMeta {
            name: Some("report.pdf".into()),
            content_type: "application/pdf".into(),
            size: 3 << 32,
        }],
        origin: Origin {
            client_ip: "127.0.0.1".into(),
            helo: "client.far.test".into(),
            auth_user: None,
            listener: "mx".into(),
            engine: "mx1.example.org".into(),
        },
        dsn: DsnRequest {
            ret: Some("HDRS".into()),
            envid: Some("abc".into()),
        },
        smtputf8: true,
        received_at: now_ms(),
        due_at: now_ms(),
        attempts: 0,
        claim_token: None,
        lease_until: None,
    };
    store.insert_queue_document(&msg).await.unwrap();
    // A small message is one document: its bytes travel inside it.
    assert_eq!(
        msg.blob.inline.as_deref(),
        Some(&b"Subject: hi\r\n\r\nhello\r\n"[..])
    );
    assert_eq!(chunk_count(&store).await, 0);
    assert_eq!(store.get_queued(&msg.id).await.unwrap(), Some(msg.clone()));
    // A listing leaves the bytes out.
    let listed = QueuedMessage {
        blob: msg.blob.without_bytes(),
        ..msg.clone()
    };
    assert_eq!(
        store
            .list_queued(Some(QueueState::Enqueued), 10)
            .await
            .unwrap(),
        std::slice::from_ref(&listed)
    );
    assert!(store
        .list_queued(Some(QueueState::Delivered), 10)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        store.insert_queue_document(&msg).await,
        Err(StoreError::Duplicate(_))
    ));
}

/// The envelope of a message from a@far.test to zoe@example.org.
fn new_message() -> NewMessage {
    NewMessage {
        id: new_id(),
        mail_from: "a@far.test".into(),
        recipients: vec![Recipient::pending("zoe@example.org".into(), None, None)],
        origin: Origin::default(),
        dsn: DsnRequest::default(),
        smtputf8: false,
    }
}

/// A queued message due at `due_at`, with one pending recipient.
async fn queued(store: &Store, due_at: i64) -> QueuedMessage {
    let bytes = b"Subject: q\r\n\r\nq\r\n";
    let blob = store.put_blob(bytes).await.unwrap();
    let msg = QueuedMessage {
        due_at,
        ..QueuedMessage::enqueued(new_message(), blob, bytes)
    };
    store.insert_queue_document(&msg).await.unwrap();
    msg
}

#[tokio::test]
async fn claims_take_due_work_oldest_first_and_results_need_the_claim() {
    let server = TestStore::start();
    let store = server.store().await;
    let now = now_ms();
    // Spread over an hour, out of order, plus one not due yet.
    let mut due = Vec::new();
    for minutes in [30, 59, 1, 45, 10] {
        due.push(queued(&store, now - minutes * 60_000).await);
    }
    let later = queued(&store, now + 3_600_000).await;
    due.sort_by_key(|m| m.due_at);

    let mut scan = DueScan::default();
    let (token, first) = store.claim_due(now, 2, 60_000, &mut scan).await.unwrap();
    let ids = |ms: &[QueuedMessage]| ms.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
    let mut got = ids(&first);
    got.sort();
    let mut want = ids(&due[..2]);
    want.sort();
    assert_eq!(got, want, "the two oldest");
    assert!(first.iter().all(|m| m.state == QueueState::Delivering));
    // The next claim starts where the last one found work, and widens its
    // window as far as the rest lies: it finds everything else that is due.
    let (_, rest) = store.claim_due(now, 10, 60_000, &mut scan).await.unwrap();
    let mut got = ids(&rest);
    got.sort();
    let mut want = ids(&due[2..]);
    want.sort();
    assert_eq!(got, want);
    assert!(!ids(&rest).contains(&later.id), "not due yet");

    // A message made due below the floor (a node whose clock is behind) is
    // found by the next full look.
    let stray = queued(&store, now - 7_200_000).await;
    let (_, none) = store.claim_due(now, 10, 60_000, &mut scan).await.unwrap();
    assert!(none.is_empty());
    scan.rescan();
    let (_, found) = store.claim_due(now, 10, 60_000, &mut scan).await.unwrap();
    assert_eq!(ids(&found), vec![stray.id.clone()]);

    // Results are written only under the claim that is still held.
    let mut done = first[0].clone();
    done.state = QueueState::Delivered;
    done.recipients[0].status = RecipientStatus::Delivered;
    done.attempts = 1;
    let mut lost = first[1].clone();
    lost.state = QueueState::Delivered;
    let held = store
        .finish_claims(&[(&done, token.as_str()), (&lost, "someone else's token")])
        .await
        .unwrap();
    assert_eq!(held, 1);
    let stored = store.get_queued(&done.id).await.unwrap().unwrap();
    assert_eq!(stored.state, QueueState::Delivered);
    assert_eq!(stored.recipients[0].status, RecipientStatus::Delivered);
    assert_eq!((stored.attempts, stored.claim_token), (1, None));
    let untouched = store.get_queued(&lost.id).await.unwrap().unwrap();
    assert_eq!(untouched.state, QueueState::Delivering);
    assert_eq!(untouched.claim_token.as_deref(), Some(token.as_str()));
}

#[tokio::test]
async fn mailbox_entries_round_trip_and_usage() {
    let server = TestStore::start();
    let store = server.store().await;
    let blob = store.put_blob(&[b'x'; 1000]).await.unwrap();
    let mut ids = Vec::new();
    let mut entries = Vec::new();
    for i in 0..3 {
        let mut entry = MailboxEntry {
            id: new_id(),
            mailbox: "zoe@example.org".into(),
            blob: blob.clone(),
            delivery_headers: String::new(),
            size: 1000 + i,
            received_at: now_ms() + i,
            queue_id: new_id(),
            from: Some("a@b.test".into()),
            subject: None,
            folder: Folder::inbox_id("zoe@example.org"),
            uid: Default::default(),
            flags: Vec::new(),
            modseq: 0,
            header: None,
        };
        store.insert_entry(&mut entry).await.unwrap();
        assert_eq!(i64::from(entry.uid), i + 1, "UIDs in order");
        assert_eq!(
            store.get_entry("zoe@example.org", &entry.id).await.unwrap(),
            Some(entry.clone())
        );
        assert_eq!(
            store
                .get_entry("other@example.org", &entry.id)
                .await
                .unwrap(),
            None
        );
        ids.push(entry.id.clone());
        entries.push(entry);
    }
    let listed = store.list_entries("zoe@example.org").await.unwrap();
    // A listing carries no message bytes; the entry itself does.
    assert!(listed.iter().all(|e| !e.blob.is_loaded()));
    // Read back for a reader going through them: one find, in order, each
    // with its bytes; an entry removed meanwhile is left out.
    store
        .delete_entries("zoe@example.org", &ids[1..2])
        .await
        .unwrap();
    let readable = store.readable_blobs(&listed).await.unwrap();
    let readable_ids: Vec<&str> = readable.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(readable_ids, [ids[0].as_str(), ids[2].as_str()]);
    for (_, b) in &readable {
        assert_eq!(store.get_blob(b).await.unwrap(), vec![b'x'; 1000]);
    }
    // Put back, it gets a new UID: its old one is never handed out again.
    store.insert_entry(&mut entries[1]).await.unwrap();
    assert_eq!(entries[1].uid, 4);
    let listed: Vec<String> = listed.into_iter().map(|e| e.id).collect();
    assert_eq!(listed, ids);
    let usage = store.mailbox_usage("zoe@example.org").await.unwrap();
    assert_eq!((usage.messages, usage.bytes), (3, 3003));
    assert_eq!(
        store
            .mailbox_usage("none@example.org")
            .await
            .unwrap()
            .messages,
        0
    );
    assert_eq!(
        store
            .delete_entries("other@example.org", &ids)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .delete_entries("zoe@example.org", &ids[..2])
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store.list_entries("zoe@example.org").await.unwrap().len(),
        1
    );
}

/// Deterministic bytes covering every octet value, CR/LF and NUL included.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[tokio::test]
async fn chunked_bytes_are_byte_exact() {
    let server = TestStore::start();
    let store = server.store().await;
    // Up to INLINE_LIMIT the bytes stay inline (no chunk written); above it,
    // 4 MiB chunks.
    for (len, chunks) in [
        (0usize, 0),
        (1024, 0),
        (INLINE_LIMIT, 0),
        (INLINE_LIMIT + 1, 1),
        (15 << 20, 4),
        (40 << 20, 10),
    ] {
        let before = chunk_count(&store).await;
        let bytes = pattern(len, len as u64 + 1);
        let blob = store.put_blob(&bytes).await.unwrap();
        assert_eq!(blob.size, len as i64);
        assert_eq!(blob.chunks, chunks, "{len} bytes");
        assert_eq!(blob.is_inline(), chunks == 0);
        assert_eq!(
            chunk_count(&store).await - before,
            u64::try_from(chunks).unwrap()
        );
        let back = store.get_blob(&blob).await.unwrap();
        assert!(back == bytes, "{len} bytes differ after the round trip");
    }
    // Inline bytes left out of a listing are reported, never read as empty.
    let listed = store.put_blob(b"x").await.unwrap().without_bytes();
    assert!(!listed.is_loaded());
    assert!(store.get_blob(&listed).await.is_err());
    // A chunk that disappears is reported, never read as a shorter message.
    let blob = store.put_blob(&pattern(CHUNK_SIZE + 10, 9)).await.unwrap();
    store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(names::MESSAGE_CHUNKS)
        .delete_one(mongodb::bson::doc! { "_id": format!("{}:1", blob.id) })
        .await
        .unwrap();
    assert!(matches!(
        store.get_blob(&blob).await,
        Err(StoreError::Corrupt(_))
    ));
    store.delete_blob(&blob).await.unwrap();
    assert!(matches!(
        store.read_chunk(&blob, 0).await,
        Err(StoreError::Corrupt(_))
    ));
}

async fn chunk_count(store: &Store) -> u64 {
    store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(names::MESSAGE_CHUNKS)
        .count_documents(mongodb::bson::doc! {})
        .await
        .unwrap()
}

fn unreachable_settings(port: u16) -> StoreSettings {
    StoreSettings {
        uri: format!("mongodb://127.0.0.1:{port}/?directConnection=true"),
        database: "mismo".into(),
        timeout: Duration::from_secs(2),
    }
}

#[tokio::test]
async fn nothing_listening_gives_a_bounded_error() {
    let port = mismo_testkit::free_port();
    let started = Instant::now();
    let err = Store::connect(&unreachable_settings(port))
        .await
        .err()
        .expect("connected to nothing");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(err.is_temporary());
    // Bounded: the 2 s setting plus slack, far from a hang.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_silent_server_gives_a_bounded_error() {
    // Accepts connections and never answers, like a wedged store.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    let started = Instant::now();
    let err = Store::connect(&unreachable_settings(port))
        .await
        .err()
        .expect("connected to a mute server");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_store_that_goes_away_gives_a_bounded_error() {
    let mut server = TestStore::start();
    if !server.is_embedded() {
        return; // cannot stop a shared server
    }
    let mut settings = server.settings.clone();
    settings.timeout = Duration::from_secs(2);
    let store = Store::connect(&settings).await.unwrap();
    store.ensure_schema().await.unwrap();
    server.stop();
    let started = Instant::now();
    let err = store
        .get_domain("example.org")
        .await
        .expect_err("read from a stopped store");
    assert!(err.is_temporary(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(15));
    server.restart();
    store
        .insert_domain(&Domain::new("back.test".into()))
        .await
        .expect("works again after restart");
}

#[tokio::test]
async fn orphaned_bytes_go_after_two_sweeps_and_referenced_bytes_stay() {
    let server = TestStore::start();
    let store = server.store().await;
    let big = |n: u64| pattern(INLINE_LIMIT + 100, n);
    let new = new_message;
    let queued = store.enqueue_new(new(), &big(1)).await.unwrap();
    // A retried enqueue with the same id is refused and leaves no bytes.
    let chunks = chunk_count(&store).await;
    let again = NewMessage {
        id: queued.id.clone(),
        ..new()
    };
    assert!(matches!(
        store.enqueue_new(again, &big(2)).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(chunk_count(&store).await, chunks);

    let kept = mismo_testkit::deliver(&store, "zoe@example.org", &big(3)).await;
    let expunged = mismo_testkit::deliver(&store, "zoe@example.org", &big(4)).await;
    store
        .delete_entries("zoe@example.org", std::slice::from_ref(&expunged.id))
        .await
        .unwrap();
    let stray = store.put_blob(&big(5)).await.unwrap();
    // Made in a later millisecond than everything above.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let young = store.put_blob(&big(6)).await.unwrap();
    let cutoff = made_time(&young.id);
    let hour = 3_600_000;

    // The first sweep only marks what nothing refers to.
    let now = now_ms();
    let first = store.sweep_orphan_blobs(cutoff, now, hour).await.unwrap();
    assert_eq!(
        (first.examined, first.marked, first.removed),
        (4, 2, 0),
        "{first:?}"
    );
    // Meanwhile a mailbox entry takes up the stray bytes (as a MOVE's new
    // entry would, racing the sweep's scan).
    let mut adopted = kept.clone();
    adopted.id = new_id();
    adopted.blob = stray.clone();
    store.insert_entry(&mut adopted).await.unwrap();
    // Too soon: nothing goes.
    let early = store
        .sweep_orphan_blobs(cutoff, now + 1, hour)
        .await
        .unwrap();
    assert_eq!(early.removed, 0, "{early:?}");
    // An hour on, the expunged message's bytes go; the adopted ones stay.
    let later = store
        .sweep_orphan_blobs(cutoff, now + hour, hour)
        .await
        .unwrap();
    assert_eq!(later.removed, 1, "{later:?}");
    assert!(matches!(
        store.get_blob(&expunged.blob).await,
        Err(StoreError::Corrupt(_))
    ));
    for blob in [&queued.blob, &kept.blob, &stray, &young] {
        assert!(store.get_blob(blob).await.is_ok(), "{} was swept", blob.id);
    }
    // Nothing is left marked.
    let marks = store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(names::ORPHAN_BLOBS)
        .count_documents(mongodb::bson::doc! {})
        .await
        .unwrap();
    assert_eq!(marks, 0);
}

/// The time in a ULID.
fn made_time(id: &str) -> i64 {
    ulid::Ulid::from_string(id).unwrap().timestamp_ms() as i64
}
