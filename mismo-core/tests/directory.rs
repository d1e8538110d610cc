//! The directory cache against a real server: it comes alive on the store's
//! change streams, and every kind of change reaches its readers.

use std::time::{Duration, Instant};

use mismo_core::model::*;
use mismo_core::{password, Directory};
use mismo_testkit::TestStore;

fn mailbox(address: &str) -> Mailbox {
    Mailbox {
        address: address.into(),
        domain: address.split('@').nth(1).unwrap().into(),
        password_hash: password::hash("secret password").unwrap(),
        state: Activation::Enabled,
        quota_bytes: 0,
        display_name: None,
        created_at: now_ms(),
        pgp_public_key: None,
    }
}

/// Polls `check` until it holds; a change event may take a moment to arrive.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let until = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < until, "never saw: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn cached_answers_follow_every_change() {
    let server = TestStore::start();
    let store = server.store().await;
    let dir = Directory::new(store.clone(), None);
    eventually("the change streams open", || async { dir.is_live() }).await;

    // A negative answer is cached too, and must give way to the insert.
    assert_eq!(dir.domain("x.test").await.unwrap(), None);
    assert_eq!(dir.mailbox("zoe@x.test").await.unwrap(), None);
    store
        .insert_domain(&Domain::new("x.test".into()))
        .await
        .unwrap();
    store.insert_mailbox(&mailbox("zoe@x.test")).await.unwrap();
    eventually("the new domain", || async {
        dir.domain("x.test").await.unwrap().is_some()
    })
    .await;
    eventually("the new mailbox", || async {
        dir.mailbox("zoe@x.test").await.unwrap().is_some()
    })
    .await;

    // Answers read again and again stay right while nothing changes.
    for _ in 0..3 {
        let m = dir.mailbox("zoe@x.test").await.unwrap().unwrap();
        assert_eq!(m.state, Activation::Enabled);
    }
    store
        .set_mailbox_state("zoe@x.test", Activation::Disabled)
        .await
        .unwrap();
    eventually("the mailbox disabled", || async {
        dir.mailbox("zoe@x.test").await.unwrap().unwrap().state == Activation::Disabled
    })
    .await;

    store
        .add_alias_targets("a@x.test", "x.test", &["zoe@x.test".into()])
        .await
        .unwrap();
    eventually("the alias", || async {
        dir.alias("a@x.test").await.unwrap().map(|a| a.targets) == Some(vec!["zoe@x.test".into()])
    })
    .await;
    store
        .add_alias_targets("a@x.test", "x.test", &["bob@y.test".into()])
        .await
        .unwrap();
    eventually("the alias's new target", || async {
        dir.alias("a@x.test").await.unwrap().unwrap().targets.len() == 2
    })
    .await;
    store.remove_alias("a@x.test").await.unwrap();
    eventually("the alias removed", || async {
        dir.alias("a@x.test").await.unwrap().is_none()
    })
    .await;

    store.remove_domain("x.test").await.unwrap();
    eventually("the domain removed", || async {
        dir.domain("x.test").await.unwrap().is_none()
    })
    .await;
}
