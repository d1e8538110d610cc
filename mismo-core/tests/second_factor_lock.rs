//! Wrong second factors count per account as well as per address: with the
//! password known, guesses spread over many addresses still end, and the
//! lock is written where the account's holder reads (the audit log, which
//! shows a domain administrator what concerns their own account).

use mismo_core::admin::Admin;
use mismo_core::auth::{self, Login, ACCOUNT_FAILURES};
use mismo_core::model::now_ms;
use mismo_core::second_factor::code_at;
use mismo_testkit::TestStore;

#[tokio::test]
async fn wrong_codes_from_many_addresses_lock_the_account() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("lock.test").await.unwrap();
    let domains = vec!["lock.test".to_string()];
    admin
        .add_administrator("root", "root's long password", &domains)
        .await
        .unwrap();
    let enrolment = admin.start_totp("root").await.unwrap();
    let now = now_ms() as u64 / 1000;
    let code = code_at(&enrolment.secret, now).unwrap();
    admin.confirm_totp("root", &code, now).await.unwrap();

    // One wrong code from each of many addresses: no address reaches its
    // own budget, the account reaches its.
    for n in 0..ACCOUNT_FAILURES {
        let ip = format!("127.0.2.{n}").parse().unwrap();
        let login = auth::second_factor(&store, ip, "root", "000000")
            .await
            .unwrap();
        assert!(matches!(login, Login::Refused { .. }), "guess {n}");
    }
    // Locked now, even for the right code from a fresh address.
    let later = now_ms() as u64 / 1000 + 30;
    let right = code_at(&enrolment.secret, later).unwrap();
    let ip = "127.0.2.200".parse().unwrap();
    let login = auth::second_factor(&store, ip, "root", &right)
        .await
        .unwrap();
    assert!(matches!(login, Login::Blocked));
    let locked = |entries: &[mismo_core::model::AuditEntry]| {
        entries
            .iter()
            .any(|e| e.action == "account.second_factor_locked" && e.target == "root")
    };
    // The locked administrator sees it among their domain's entries;
    // another administrator of the domain does not.
    let entries = store
        .audit_page(Some(&domains), "root", "", None, 10)
        .await
        .unwrap();
    assert!(locked(&entries), "{entries:?}");
    let entries = store
        .audit_page(Some(&domains), "other", "", None, 10)
        .await
        .unwrap();
    assert!(!locked(&entries), "{entries:?}");
    let entries = store
        .audit_page(Some(&domains), "root", "locked", None, 10)
        .await
        .unwrap();
    assert!(locked(&entries), "{entries:?}");
}
