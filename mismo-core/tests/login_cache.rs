//! A verified login is remembered for AUTH_CACHE_TTL: the next login with
//! the same password makes no second password check. A password change, a
//! disabled mailbox or domain ends the remembered login at once; a wrong
//! password is never remembered and still counts against the address.
//! (Alone in its test binary: the cache and the count are the process's.)

use std::net::IpAddr;
use std::time::Duration;

use mismo_core::admin::Admin;
use mismo_core::auth::{self, verifications, Login};
use mismo_core::login_cache::remember_logins_for;
use mismo_core::model::Activation;
use mismo_core::Store;
use mismo_testkit::TestStore;

const ZOE: &str = "zoe@example.org";
const PASSWORD: &str = "zoe's long password";

async fn opens(store: &Store, ip: &str, password: &str) -> bool {
    let ip: IpAddr = ip.parse().unwrap();
    matches!(
        auth::login(store, ip, ZOE, password).await.unwrap(),
        Login::Opened(_)
    )
}

#[tokio::test]
async fn remembered_logins_end_when_the_mailbox_changes() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin.add_mailbox(ZOE, PASSWORD, 0).await.unwrap();
    remember_logins_for(Duration::from_secs(60));

    // The first login is checked; the next ones are remembered.
    let checks = verifications();
    assert!(opens(&store, "127.0.3.1", PASSWORD).await);
    assert_eq!(verifications(), checks + 1);
    for _ in 0..5 {
        assert!(opens(&store, "127.0.3.1", PASSWORD).await);
    }
    assert_eq!(verifications(), checks + 1, "no check while remembered");

    // A wrong password is checked every time, and counts.
    let checks = verifications();
    assert!(!opens(&store, "127.0.3.2", "wrong").await);
    assert!(!opens(&store, "127.0.3.2", "wrong").await);
    assert_eq!(verifications(), checks + 2);

    // A disabled mailbox, then a disabled domain, are refused at once.
    admin
        .set_mailbox_state(ZOE, Activation::Disabled)
        .await
        .unwrap();
    assert!(!opens(&store, "127.0.3.3", PASSWORD).await);
    admin
        .set_mailbox_state(ZOE, Activation::Enabled)
        .await
        .unwrap();
    admin
        .set_domain_state("example.org", Activation::Disabled)
        .await
        .unwrap();
    assert!(!opens(&store, "127.0.3.4", PASSWORD).await);
    admin
        .set_domain_state("example.org", Activation::Enabled)
        .await
        .unwrap();

    // A new password: the old one no longer opens, even though it was
    // remembered a moment ago, and the new one is checked once.
    assert!(opens(&store, "127.0.3.5", PASSWORD).await);
    admin
        .set_password(ZOE, "a new long password")
        .await
        .unwrap();
    let checks = verifications();
    assert!(!opens(&store, "127.0.3.5", PASSWORD).await);
    assert!(opens(&store, "127.0.3.5", "a new long password").await);
    assert!(opens(&store, "127.0.3.5", "a new long password").await);
    assert_eq!(verifications(), checks + 2);

    // Turned off, every login is checked.
    remember_logins_for(Duration::ZERO);
    let checks = verifications();
    assert!(opens(&store, "127.0.3.6", "a new long password").await);
    assert!(opens(&store, "127.0.3.6", "a new long password").await);
    assert_eq!(verifications(), checks + 2);
}
