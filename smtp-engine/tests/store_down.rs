//! Services whose store does not answer: clients are told at once, the load
//! balancer sees 503 at once, and SIGTERM stops each service promptly,
//! whether the store was never there or went away while it ran.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use mismo_testkit::service::{http_get, Service};
use mismo_testkit::{binary, free_port, TestStore};

fn addr(port: u16) -> SocketAddr {
    ([127, 0, 0, 1], port).into()
}

/// The first line a server sends, waiting at most 5 s for it.
fn first_line(at: SocketAddr) -> String {
    let s = TcpStream::connect(at).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut line = String::new();
    BufReader::new(s)
        .read_line(&mut line)
        .expect("an answer, not silence");
    line
}

/// Settings for every service, with the store at `store` and ports of its own.
fn env(store: &str, dir: &std::path::Path, ports: &[u16]) -> Vec<(String, String)> {
    [
        ("MONGODB_URI", store.to_string()),
        ("MONGODB_TIMEOUT", "2s".into()),
        ("MISMO_DATA_DIR", dir.display().to_string()),
        ("MISMO_HOSTNAME", "mx.example.org".into()),
        ("SMTP_LISTEN", addr(ports[0]).to_string()),
        ("SMTP_SUBMISSION_LISTEN", addr(ports[1]).to_string()),
        ("SMTPS_LISTEN", addr(ports[2]).to_string()),
        ("SMTP_STATUS_LISTEN", addr(ports[3]).to_string()),
        ("POP3_LISTEN", addr(ports[4]).to_string()),
        ("POP3S_LISTEN", addr(ports[5]).to_string()),
        ("QUEUE_CYCLE_PERIOD", "30s".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn stops_with_0(service: &mut Service, within: Duration) {
    service.signal(libc::SIGTERM);
    let status = service
        .wait(within)
        .unwrap_or_else(|| panic!("still running:\n{}", service.log_text()));
    assert_eq!(status.code(), Some(0), "{}", service.log_text());
}

#[test]
fn with_no_store_at_start_clients_hear_so_at_once_and_sigterm_stops() {
    let dir = tempfile::tempdir().unwrap();
    let ports: Vec<u16> = (0..7).map(|_| free_port()).collect();
    // Nothing listens on the last port.
    let nowhere = format!("mongodb://127.0.0.1:{}/?directConnection=true", ports[6]);
    let env = env(&nowhere, dir.path(), &ports);

    let mut engine = Service::listening(&binary("smtp-engine"), &env, dir.path(), addr(ports[3]));
    let (code, body) = http_get(addr(ports[3]), "/status");
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("starting"), "{body}");
    for port in [ports[0], ports[1]] {
        let line = first_line(addr(port));
        assert!(line.starts_with("421 4.3.2 mx.example.org "), "{line}");
    }

    let mut pop3d = Service::listening(&binary("pop3d"), &env, dir.path(), addr(ports[4]));
    let line = first_line(addr(ports[4]));
    assert!(line.starts_with("-ERR [SYS/TEMP] "), "{line}");

    let mut qprocessor = Service::spawn(&binary("qprocessor"), &env, dir.path());
    std::thread::sleep(Duration::from_secs(1));
    for service in [&mut engine, &mut pop3d, &mut qprocessor] {
        stops_with_0(service, Duration::from_secs(5));
    }
}

#[tokio::test]
async fn a_store_that_goes_away_does_not_hold_up_a_stop() {
    let mut server = TestStore::start();
    if !server.is_embedded() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ports: Vec<u16> = (0..7).map(|_| free_port()).collect();
    let store_uri = server
        .env()
        .into_iter()
        .find(|(k, _)| k == "MONGODB_URI")
        .expect("store address")
        .1;
    let env = env(&store_uri, dir.path(), &ports);
    let mut engine = Service::start(&binary("smtp-engine"), &env, dir.path(), addr(ports[3]));
    let mut pop3d = Service::start(&binary("pop3d"), &env, dir.path(), addr(ports[4]));
    let mut qprocessor = Service::spawn(&binary("qprocessor"), &env, dir.path());
    // Ready once the store has answered: then 200 and a 220 greeting.
    let start = std::time::Instant::now();
    while http_get(addr(ports[3]), "/status").0 != 200 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{}",
            engine.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let line = first_line(addr(ports[0]));
    assert!(line.starts_with("220 "), "{line}");
    std::thread::sleep(Duration::from_secs(1));

    server.stop();
    std::thread::sleep(Duration::from_secs(1));
    for service in [&mut qprocessor, &mut pop3d, &mut engine] {
        stops_with_0(service, Duration::from_secs(10));
    }
}
