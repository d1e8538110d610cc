//! The admin console in headless Chromium (tests/py/console_e2e.py, with
//! Python's Playwright driving Debian's /usr/bin/chromium), against a real
//! cluster: smtp-engine, qprocessor, pop3d and the console on one store,
//! with BIND9 as DNS_RESOLVER holding the zone the new domain is verified
//! against. Screenshots of every page go to target/screenshots/admin-console.

use mismo_core::admin::Admin;
use mismo_testkit::dns::Bind9;
use mismo_testkit::service::Service;
use mismo_testkit::{binary, Ports, TestStore};

#[tokio::test]
async fn an_operator_runs_a_domain_from_the_browser() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin
        .add_administrator("root", "root's long password", &[])
        .await
        .unwrap();
    // A message that cannot leave: far.test has no DNS here.
    let stuck = mismo_testkit::enqueue(
        &store,
        "zoe@e2e.test",
        &["someone@far.test"],
        "Subject: stuck\r\n\r\nhi",
    )
    .await;

    let dns = Bind9::start(&[("e2e.test", &["@ A 127.0.0.1".to_string()])]);
    let (mut env, ports) = server.env_with_ports();
    env.push(("DNS_RESOLVER".into(), dns.addr().to_string()));
    env.push(("MISMO_HOSTNAME".into(), "mx.e2e.test".into()));
    let dir = tempfile::tempdir().unwrap();
    let _engine = Service::start(
        &binary("smtp-engine"),
        &env,
        dir.path(),
        Ports::at(ports.smtp),
    );
    let _pop3d = Service::start(&binary("pop3d"), &env, dir.path(), Ports::at(ports.pop3s));
    let _qprocessor = Service::spawn(&binary("qprocessor"), &env, dir.path());
    let console = Service::start(
        &binary("admin-console"),
        &env,
        dir.path(),
        Ports::at(ports.admin),
    );

    let shots = mismo_testkit::screenshots("admin-console");
    mismo_testkit::run_browser_script(
        "admin-console/tests/py/console_e2e.py",
        &[
            format!("http://127.0.0.1:{}", ports.admin),
            ports.smtp.to_string(),
            ports.pop3s.to_string(),
            dns.addr().port().to_string(),
            shots.display().to_string(),
            stuck,
        ],
        "console e2e: ok",
        &console,
    );
}
