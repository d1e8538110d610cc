//! Running out of file descriptors: pop3d and smtp-engine, started with a
//! small open-file limit and then flooded with connections, neither spin nor
//! flood the log. Every waiting client hears a line at once (served, or
//! "try again later"), and the service serves normally again as soon as
//! descriptors free up.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use mismo_core::admin::Admin;
use mismo_testkit::service::Service;
use mismo_testkit::{binary, wait_for_port, Ports, TestStore};

const ZOE: &str = "zoe@example.org";
const PASSWORD: &str = "zoe's long password";
/// Room for what the service opens itself (store connections, listeners,
/// the runtime, the log), and a few dozen clients beyond.
const FILES: u64 = 96;
const CLIENTS: usize = 150;

struct Case {
    binary: &'static str,
    /// The plain port the flood goes to.
    port: fn(Ports) -> u16,
    greeting: &'static str,
    busy: &'static str,
    /// After recovery: commands that need the store, and how each reply
    /// must start.
    dialogue: &'static [(&'static str, &'static str)],
}

/// Sends each command and checks its (possibly multi-line) reply.
fn converse(stream: &TcpStream, dialogue: &[(&str, &str)]) -> Result<(), String> {
    use std::io::Write;
    let mut reader = BufReader::new(stream);
    let mut writer = stream;
    for (command, expected) in dialogue {
        write!(writer, "{command}\r\n").map_err(|e| e.to_string())?;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).map_err(|e| e.to_string())?;
            if !line.starts_with(expected) {
                return Err(format!("{command}: {line:?}"));
            }
            // "250-..." goes on; "250 ..." and POP3's one line end it.
            if line.as_bytes().get(3) != Some(&b'-') {
                break;
            }
        }
    }
    Ok(())
}

fn first_line(stream: &TcpStream, limit: Duration) -> String {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut line = String::new();
    let _ = BufReader::new(stream).read_line(&mut line);
    line
}

async fn flood(case: Case) {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin.add_mailbox(ZOE, PASSWORD, 0).await.unwrap();
    let (mut env, ports) = server.env_with_ports();
    env.push(("SMTP_MAX_CLIENTS_PER_HOST".into(), "1000".into()));
    env.push(("POP3_ALLOW_PLAINTEXT_AUTH".into(), "yes".into()));
    let addr = Ports::at((case.port)(ports));
    let service =
        Service::spawn_with_files(&binary(case.binary), &env, server.data_dir(), Some(FILES));
    assert!(wait_for_port(addr, Duration::from_secs(30)));
    let start = Instant::now();
    while !service.log_text().contains(" serving") {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{}",
            service.log_text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // More clients than descriptors. The kernel completes each handshake,
    // so every connect succeeds; the service then runs out while
    // accepting them.
    let held: Vec<TcpStream> = (0..CLIENTS)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    // Every one hears a first line within seconds: served, or turned away.
    let mut served = Vec::new();
    let mut busy = 0;
    for stream in held {
        let line = first_line(&stream, Duration::from_secs(10));
        if line.starts_with(case.greeting) {
            served.push(stream);
        } else {
            assert!(
                line.starts_with(case.busy),
                "{}: a waiting client heard {line:?}\n{}",
                case.binary,
                service.log_text()
            );
            busy += 1;
        }
    }
    println!(
        "{}: {} served, {busy} turned away, {} descriptors open",
        case.binary,
        served.len(),
        service.open_files()
    );
    assert!(busy > 0, "{}: never ran out", case.binary);

    // Out of descriptors with the served clients still connected: no spin
    // (a busy loop uses all of the 3 s) and no flood of log lines.
    let cpu = service.cpu_time();
    let newcomer = TcpStream::connect(addr).unwrap();
    let line = first_line(&newcomer, Duration::from_secs(10));
    assert!(line.starts_with(case.busy), "{line:?}");
    std::thread::sleep(Duration::from_secs(3));
    let spent = service.cpu_time() - cpu;
    assert!(
        spent < Duration::from_secs(1),
        "{} used {spent:?} of CPU in 3 s while out of descriptors",
        case.binary
    );
    let lines = service.log_text().matches("accept on").count();
    assert!(
        (1..=2).contains(&lines),
        "{}: {lines} accept error lines\n{}",
        case.binary,
        service.log_text()
    );

    // Descriptors free up: the service serves again, store included.
    drop(served);
    drop(newcomer);
    let start = Instant::now();
    loop {
        let stream = TcpStream::connect(addr).unwrap();
        if first_line(&stream, Duration::from_secs(10)).starts_with(case.greeting) {
            if let Err(e) = converse(&stream, case.dialogue) {
                panic!("{}: {e}\n{}", case.binary, service.log_text());
            }
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{} never recovered\n{}",
            case.binary,
            service.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test]
async fn pop3d_turns_clients_away_and_recovers_when_out_of_descriptors() {
    flood(Case {
        binary: "pop3d",
        port: |p| p.pop3,
        greeting: "+OK",
        busy: "-ERR [SYS/TEMP]",
        dialogue: &[
            ("USER zoe@example.org", "+OK"),
            ("PASS zoe's long password", "+OK"),
        ],
    })
    .await;
}

#[tokio::test]
async fn smtp_engine_turns_clients_away_and_recovers_when_out_of_descriptors() {
    flood(Case {
        binary: "smtp-engine",
        port: |p| p.smtp,
        greeting: "220",
        busy: "421",
        dialogue: &[
            ("EHLO client.example.net", "250"),
            ("MAIL FROM:<a@example.net>", "250"),
            ("RCPT TO:<zoe@example.org>", "250"),
        ],
    })
    .await;
}
