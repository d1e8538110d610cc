//! The directory cache against a real server: repeated reads are answered
//! from memory, and a change is seen once the cache time is up.

use mismo_core::directory::CACHE_TTL;
use mismo_core::model::*;
use mismo_core::Directory;
use mismo_testkit::TestStore;

#[tokio::test]
async fn answers_are_reused_then_read_again() {
    let server = TestStore::start();
    let store = server.store().await;
    let dir = Directory::new(store.clone());
    store
        .insert_domain(&Domain::new("x.test".into()))
        .await
        .unwrap();
    assert!(dir.domain("x.test").await.unwrap().is_some());
    assert_eq!(dir.alias("a@x.test").await.unwrap(), None);

    store.remove_domain("x.test").await.unwrap();
    store
        .add_alias_targets("a@x.test", "x.test", &["zoe@x.test".into()])
        .await
        .unwrap();
    // Within the cache time the answers read before stand (no store round
    // trip), negative ones included.
    assert!(dir.domain("x.test").await.unwrap().is_some());
    assert_eq!(dir.alias("a@x.test").await.unwrap(), None);

    tokio::time::sleep(CACHE_TTL + std::time::Duration::from_millis(100)).await;
    assert_eq!(dir.domain("x.test").await.unwrap(), None);
    assert_eq!(
        dir.alias("a@x.test").await.unwrap().map(|a| a.targets),
        Some(vec!["zoe@x.test".to_string()])
    );
}
