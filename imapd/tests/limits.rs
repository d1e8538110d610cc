//! imapd serves a bounded number of connections, in all and from one
//! address: a client over either is refused at connect.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::time::Duration;

/// A connection and the first line the server sends it.
fn connect(port: u16) -> (TcpStream, String) {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // A guard against a hung test, not a measure of speed.
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut line = String::new();
    BufReader::new(stream.try_clone().unwrap())
        .read_line(&mut line)
        .unwrap();
    (stream, line)
}

#[tokio::test]
async fn connections_over_the_per_address_limit_are_refused() {
    let imap = common::start_with(&[("IMAP_MAX_CLIENTS_PER_HOST", "2")]).await;
    let (first, greeting) = connect(imap.plain);
    assert!(greeting.starts_with("* OK "), "{greeting}");
    let (_second, greeting) = connect(imap.plain);
    assert!(greeting.starts_with("* OK "), "{greeting}");
    let (_third, refusal) = connect(imap.plain);
    assert_eq!(
        refusal,
        "* BYE [UNAVAILABLE] Service not available, try again later\r\n"
    );
    // A slot freed is a slot for the next client.
    drop(first);
    let mut greeting = String::new();
    for _ in 0..50 {
        greeting = connect(imap.plain).1;
        if greeting.starts_with("* OK ") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(greeting.starts_with("* OK "), "{greeting}");
}
