//! HAProxy (Debian's haproxy) in front of two smtp-engines, with the
//! shipped deploy/haproxy/haproxy.cfg unchanged: mail flows through it to
//! both engines; an engine given SIGTERM answers 503 on /status, HAProxy
//! takes it out, it finishes the session it has and exits 0, and no client
//! sees an error; restarted, it is back UP. Through the PROXY protocol the
//! engines see each client's own address.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mismo_core::admin::Admin;
use mismo_testkit::free_port;
use mismo_testkit::service::Service;
use mismo_testkit::{binary, workspace_root, TestStore};

/// The engines' ports, the same on each engine's own loopback address, as
/// on two hosts.
struct EnginePorts {
    smtp: u16,
    submission: u16,
    smtps: u16,
    status: u16,
}

const ENGINES: [&str; 2] = ["127.0.0.11", "127.0.0.12"];
/// Where the mail clients connect from.
const CLIENT: &str = "127.0.0.5";

fn start_engine(server: &TestStore, ip: &str, n: usize, p: &EnginePorts, dir: &Path) -> Service {
    let mut env = server.env();
    for (k, port) in [
        ("SMTP_LISTEN", p.smtp),
        ("SMTP_SUBMISSION_LISTEN", p.submission),
        ("SMTPS_LISTEN", p.smtps),
        ("SMTP_STATUS_LISTEN", p.status),
    ] {
        env.push((k.into(), format!("{ip}:{port}")));
    }
    env.push(("MISMO_HOSTNAME".into(), format!("e{n}.mismo.test")));
    env.push(("SMTP_DRAIN_TIMEOUT".into(), "60s".into()));
    // HAProxy connects from 127.0.0.1 and names the client in a PROXY header.
    env.push(("SMTP_PROXY_PROTOCOL_FROM".into(), "127.0.0.1".into()));
    let ready = format!("{ip}:{}", p.smtp).parse().unwrap();
    Service::start(&binary("smtp-engine"), &env, dir, ready)
}

/// HAProxy on the shipped configuration; stopped when dropped.
struct Haproxy {
    child: Child,
    socket: std::path::PathBuf,
    smtp: u16,
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Haproxy {
    fn start(p: &EnginePorts, dir: &Path) -> Self {
        let socket = dir.join("admin.sock");
        let (smtp, submission, smtps) = (free_port(), free_port(), free_port());
        let config = workspace_root().join("deploy/haproxy/haproxy.cfg");
        let child = Command::new("haproxy")
            .args(["-db", "-f"])
            .arg(&config)
            .env("MISMO_ENGINE1", ENGINES[0])
            .env("MISMO_ENGINE2", ENGINES[1])
            .env("MISMO_SMTP_BIND", format!("127.0.0.1:{smtp}"))
            .env("MISMO_SUBMISSION_BIND", format!("127.0.0.1:{submission}"))
            .env("MISMO_SMTPS_BIND", format!("127.0.0.1:{smtps}"))
            .env("MISMO_SMTP_PORT", p.smtp.to_string())
            .env("MISMO_SUBMISSION_PORT", p.submission.to_string())
            .env("MISMO_SMTPS_PORT", p.smtps.to_string())
            .env("MISMO_STATUS_PORT", p.status.to_string())
            .env("HAPROXY_STATS_SOCKET", &socket)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("haproxy.log")).unwrap())
            .spawn()
            .expect("haproxy (scripts/deps.sh installs it)");
        Self {
            child,
            socket,
            smtp,
        }
    }

    /// Each server of the SMTP backend and its state (UP, DOWN, ...), from
    /// the admin socket's `show stat`.
    fn states(&self) -> Vec<(String, String)> {
        let Ok(mut s) = UnixStream::connect(&self.socket) else {
            return Vec::new();
        };
        s.write_all(b"show stat\n").unwrap();
        let mut csv = String::new();
        s.read_to_string(&mut csv).unwrap();
        csv.lines()
            .filter(|l| l.starts_with("smtp_engines,engine"))
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                // Columns: pxname, svname, ..., status is the 18th.
                (f[1].to_string(), f[17].to_string())
            })
            .collect()
    }

    /// Waits until `server`'s state is `want` ("UP", "DOWN"), settled (not
    /// "UP 1/2", on its way down, say).
    fn wait_for(&self, server: &str, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let states = self.states();
            if states.iter().any(|(s, st)| s == server && st == want) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{server} never {want}: {states:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// One message through HAProxy with swaks; its output if it failed.
fn swaks(port: u16, n: usize) -> Result<(), String> {
    let out = Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{port}")])
        // The client's own address, which the engines must see.
        .args(["--local-interface", CLIENT])
        .args(["--from", "sender@far.test", "--to", "zoe@lb.test"])
        .args(["--header", &format!("Subject: through the balancer {n}")])
        .args(["--timeout", "30"])
        .output()
        .expect("swaks");
    match out.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&out.stdout).into_owned()),
    }
}

/// A session held open through HAProxy: its greeting names the engine.
struct Session {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Session {
    fn open(port: u16) -> (Self, String) {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut greeting = String::new();
        reader.read_line(&mut greeting).unwrap();
        (Self { stream, reader }, greeting)
    }

    /// Sends `line` and reads the reply's last line.
    fn say(&mut self, line: &str) -> String {
        self.stream.write_all(line.as_bytes()).unwrap();
        loop {
            let mut reply = String::new();
            self.reader.read_line(&mut reply).unwrap();
            if reply.len() < 4 || reply.as_bytes()[3] != b'-' {
                return reply;
            }
        }
    }
}

#[tokio::test]
async fn haproxy_balances_the_engines_and_drains_one_without_a_client_error() {
    let server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("lb.test").await.unwrap();
    admin
        .add_mailbox("zoe@lb.test", "zoe's long password", 0)
        .await
        .unwrap();
    let ports = EnginePorts {
        smtp: free_port(),
        submission: free_port(),
        smtps: free_port(),
        status: free_port(),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut engines: Vec<Option<Service>> = ENGINES
        .iter()
        .enumerate()
        .map(|(n, ip)| Some(start_engine(&server, ip, n + 1, &ports, dir.path())))
        .collect();
    let haproxy = Haproxy::start(&ports, dir.path());
    haproxy.wait_for("engine1", "UP");
    haproxy.wait_for("engine2", "UP");
    println!("started: {:?}", haproxy.states());

    // Mail flows through HAProxy, to both engines.
    for n in 0..10 {
        swaks(haproxy.smtp, n).unwrap_or_else(|out| panic!("message {n}: {out}"));
    }
    let queued = store.list_queued(None, 100).await.unwrap();
    assert_eq!(queued.len(), 10);
    let mut served: Vec<String> = queued.iter().map(|m| m.origin.engine.clone()).collect();
    served.sort();
    served.dedup();
    assert_eq!(served.len(), 2, "both engines took mail: {served:?}");
    // Through the PROXY header, each engine saw the client, not HAProxy.
    assert!(
        queued.iter().all(|m| m.origin.client_ip == CLIENT),
        "{:?}",
        queued[0].origin
    );

    // A session is open on one engine when it is told to stop.
    let (mut session, greeting) = Session::open(haproxy.smtp);
    let leaving = if greeting.contains("e1.mismo.test") {
        0
    } else {
        1
    };
    let name = format!("engine{}", leaving + 1);
    assert!(session.say("EHLO client.test\r\n").starts_with("250 "));
    engines[leaving].as_ref().unwrap().signal(libc::SIGTERM);
    let status_addr = format!("{}:{}", ENGINES[leaving], ports.status)
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, body) = mismo_testkit::service::http_get(status_addr, "/status");
        if code == 503 {
            assert!(body.contains("draining"), "{body}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {code} after SIGTERM: {body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    haproxy.wait_for(&name, "DOWN");
    println!("after SIGTERM to {name}: {:?}", haproxy.states());

    // Meanwhile every new client is served by the other engine.
    for n in 10..20 {
        swaks(haproxy.smtp, n).unwrap_or_else(|out| panic!("message {n}: {out}"));
    }
    // The open session finishes its message; then the engine exits 0.
    assert!(session
        .say("MAIL FROM:<late@far.test>\r\n")
        .starts_with("250 "));
    assert!(session.say("RCPT TO:<zoe@lb.test>\r\n").starts_with("250 "));
    assert!(session.say("DATA\r\n").starts_with("354 "));
    assert!(session
        .say("Subject: late\r\n\r\nfinished while draining\r\n.\r\n")
        .starts_with("250 "));
    assert!(session.say("QUIT\r\n").starts_with("221 "));
    let mut stopped = engines[leaving].take().unwrap();
    let exit = stopped
        .wait(Duration::from_secs(30))
        .expect("the engine exits");
    assert!(exit.success(), "{exit:?}");
    assert_eq!(store.list_queued(None, 100).await.unwrap().len(), 21);

    // Restarted, it is taken back.
    let n = leaving + 1;
    engines[leaving] = Some(start_engine(
        &server,
        ENGINES[leaving],
        n,
        &ports,
        dir.path(),
    ));
    haproxy.wait_for(&name, "UP");
    println!("{name} restarted: {:?}", haproxy.states());
    swaks(haproxy.smtp, 21).unwrap();
    let queued = store.list_queued(None, 100).await.unwrap();
    println!(
        "{} messages through HAProxy, none refused; per engine: {:?}",
        queued.len(),
        ["e1.mismo.test", "e2.mismo.test"].map(|e| {
            let n = queued.iter().filter(|m| m.origin.engine == e).count();
            (e, n)
        })
    );
}

#[test]
fn the_shipped_configuration_is_valid_with_its_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("haproxy")
        .args(["-c", "-f"])
        .arg(workspace_root().join("deploy/haproxy/haproxy.cfg"))
        .env("HAPROXY_STATS_SOCKET", dir.path().join("admin.sock"))
        .output()
        .expect("haproxy");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Configuration file is valid"), "{text}");
}
