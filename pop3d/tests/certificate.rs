//! Services started together with no TLS_CERT_PATH serve one self-signed
//! certificate, the one on disk, which a mail program can pin: fetchmail
//! with `sslcertck` and that file collects over POP3S by name.

use std::process::Command;
use std::time::Duration;

use mismo_core::admin::Admin;
use mismo_testkit::service::Service;
use mismo_testkit::{binary, free_port, TestStore};

const ZOE: &str = "zoe@example.org";
const PASSWORD: &str = "zoe's long password";

/// The certificate `port` on loopback presents, as DER in base64 (PEM
/// without its frame and line breaks).
fn served(port: u16) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import ssl,sys; print(ssl.get_server_certificate(('127.0.0.1', int(sys.argv[1]))))",
            &port.to_string(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    der(&String::from_utf8_lossy(&out.stdout))
}

fn der(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

#[tokio::test]
async fn services_started_together_serve_the_one_certificate_on_disk() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin.add_mailbox(ZOE, PASSWORD, 0).await.unwrap();
    mismo_testkit::deliver(&store, ZOE, b"Subject: pinned\r\n\r\nhello\r\n").await;

    let (mut env, ports) = server.env_with_ports();
    env.push(("MISMO_HOSTNAME".into(), "mx.example.org".into()));
    let dir = server.data_dir();
    // All three at once, as a cluster starts.
    let services = [
        Service::spawn(&binary("smtp-engine"), &env, dir),
        Service::spawn(&binary("pop3d"), &env, dir),
        Service::spawn(&binary("imapd"), &env, dir),
    ];
    for port in [ports.smtps, ports.pop3s, ports.imaps] {
        let addr = ([127, 0, 0, 1], port).into();
        assert!(
            mismo_testkit::wait_for_port(addr, Duration::from_secs(30)),
            "{port}: {}",
            services.iter().map(|s| s.log_text()).collect::<String>()
        );
    }
    for s in &services {
        let start = std::time::Instant::now();
        while !s.log_text().contains(" serving") {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{}",
                s.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    let tls = std::path::Path::new(&env.iter().find(|(k, _)| k == "MISMO_DATA_DIR").unwrap().1)
        .join("tls");
    let cert_file = tls.join("self-signed-cert.pem");
    let on_disk = der(&std::fs::read_to_string(&cert_file).unwrap());
    for (name, port) in [
        ("SMTPS", ports.smtps),
        ("POP3S", ports.pop3s),
        ("IMAPS", ports.imaps),
    ] {
        assert_eq!(served(port), on_disk, "{name} serves another certificate");
    }
    let generated = services
        .iter()
        .filter(|s| {
            s.log_text()
                .contains("generating a self-signed certificate")
        })
        .count();
    assert_eq!(generated, 1, "made once");

    // Its subject names the host, not the generator.
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-subject", "-in"])
        .arg(&cert_file)
        .output()
        .unwrap();
    let subject = String::from_utf8_lossy(&out.stdout);
    assert!(subject.contains("CN = mx.example.org"), "{subject}");

    // fetchmail pins that file and checks the name it polls (localhost).
    let home = tempfile::tempdir().unwrap();
    let mbox = home.path().join("collected");
    let rc = home.path().join("fetchmailrc");
    std::fs::write(
        &rc,
        format!(
            "poll localhost service {port} protocol POP3 auth password\n  \
             user \"{ZOE}\" password \"{PASSWORD}\" is nobody here\n  \
             ssl sslcertck sslcertfile \"{cert}\"\n  \
             mda \"/bin/sh -c 'cat >> {mbox}'\"\n",
            port = ports.pop3s,
            cert = cert_file.display(),
            mbox = mbox.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&rc).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o600);
    std::fs::set_permissions(&rc, perms).unwrap();
    let out = Command::new("fetchmail")
        .arg("-f")
        .arg(&rc)
        .args(["--nodetach", "--nosyslog"])
        .env("HOME", home.path())
        .env("FETCHMAILHOME", home.path())
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let collected = std::fs::read_to_string(&mbox).unwrap_or_default();
    assert!(collected.contains("Subject: pinned"), "{said}\n{collected}");
}

#[tokio::test]
async fn a_host_name_that_is_not_fully_qualified_is_warned_about() {
    let server = TestStore::start();
    let mut env = server.env();
    env.push(("MISMO_HOSTNAME".into(), "vm".into()));
    env.push(("POP3_LISTEN".into(), format!("127.0.0.1:{}", free_port())));
    let pop3s = free_port();
    env.push(("POP3S_LISTEN".into(), format!("127.0.0.1:{pop3s}")));
    let pop3d = Service::start(
        &binary("pop3d"),
        &env,
        server.data_dir(),
        ([127, 0, 0, 1], pop3s).into(),
    );
    let log = pop3d.log_text();
    assert!(
        log.contains("MISMO_HOSTNAME \"vm\" is not a fully qualified domain name"),
        "{log}"
    );
}
