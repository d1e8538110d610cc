//! schemathesis (PyPI) against the live API with a global administrator's
//! token: generated requests from the OpenAPI document, including malformed
//! ones; no answer may be a 500, and every answer must fit the schema the
//! document gives for it.

use std::process::Command;

use mismo_core::admin::Admin;
use mismo_testkit::service::Service;
use mismo_testkit::{binary, workspace_root, Ports, TestStore};

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_response_off_schema() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("a.test").await.unwrap();
    admin
        .add_mailbox("zoe@a.test", "zoe's long password", 0)
        .await
        .unwrap();
    admin
        .add_administrator("root", "root's long password", &[])
        .await
        .unwrap();
    let token = admin.new_api_token("root").await.unwrap();
    let (env, ports) = server.env_with_ports();
    let dir = tempfile::tempdir().unwrap();
    let _console = Service::start(
        &binary("admin-console"),
        &env,
        dir.path(),
        Ports::at(ports.admin),
    );

    let schemathesis = workspace_root().join(".venv/bin/schemathesis");
    let output = Command::new(&schemathesis)
        // It keeps a cache of its own in the working directory.
        .current_dir(dir.path())
        .args([
            "run",
            &format!("http://127.0.0.1:{}/api/v1/openapi.json", ports.admin),
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
            "--max-examples",
            "25",
            "--seed",
            "1",
            "--no-color",
        ])
        .output()
        .expect("schemathesis runs (scripts/store.sh install puts it in .venv)");
    let report = String::from_utf8_lossy(&output.stdout);
    let errors = String::from_utf8_lossy(&output.stderr);
    println!("{report}");
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{report}\n{errors}"
    );
    assert!(report.contains("passed"), "{report}");
}
