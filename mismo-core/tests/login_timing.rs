//! A login does the same work whether or not its name exists: an unknown
//! name, an address that is not one, a disabled mailbox and a wrong
//! password each cost exactly one password check, so how long the answer
//! takes does not tell which names exist. (Alone in its test binary: the
//! count is the process's.)

use mismo_core::admin::Admin;
use mismo_core::auth::{self, Login};
use mismo_core::model::Activation;
use mismo_testkit::TestStore;

#[tokio::test]
async fn every_refusal_costs_one_password_check() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin
        .add_mailbox("zoe@example.org", "zoe's long password", 0)
        .await
        .unwrap();
    admin
        .add_mailbox("off@example.org", "off's long password", 0)
        .await
        .unwrap();
    admin
        .set_mailbox_state("off@example.org", Activation::Disabled)
        .await
        .unwrap();
    // Each from an address of its own, so no budget runs out.
    for (n, (user, pass)) in [
        ("zoe@example.org", "wrong password"),
        ("nobody@example.org", "wrong password"),
        ("not an address", "wrong password"),
        ("off@example.org", "off's long password"),
    ]
    .into_iter()
    .enumerate()
    {
        let ip = format!("127.0.1.{n}").parse().unwrap();
        let before = auth::verifications();
        let login = auth::login(&store, ip, user, pass).await.unwrap();
        assert!(matches!(login, Login::Refused { .. }), "{user}");
        assert_eq!(auth::verifications() - before, 1, "{user}");
    }
    let before = auth::verifications();
    let ip = "127.0.1.9".parse().unwrap();
    let login = auth::login_administrator(&store, ip, "nobody", "x")
        .await
        .unwrap();
    assert!(matches!(login, Login::Refused { .. }));
    assert_eq!(auth::verifications() - before, 1);
}
