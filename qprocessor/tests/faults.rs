//! The fault test: steady SMTP load while an smtp-engine, a qprocessor, a
//! pop3d, an imapd and then the store itself are killed with SIGKILL and
//! started again. Every message that got a 250 must end up in the mailbox,
//! once; while the store is down, clients hear only 4xx and never wait
//! long, and `/status` says 503 until the store is back.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mismo_core::admin::Admin;
use mismo_core::model::QueueState;
use mismo_testkit::service::{http_get, Service};
use mismo_testkit::{binary, Ports, TestStore};

const ZOE: &str = "zoe@example.org";
const PASSWORD: &str = "zoe's long password";

fn addr(port: u16) -> SocketAddr {
    Ports::at(port)
}

struct Cluster {
    env: Vec<(String, String)>,
    ports: Ports,
    dir: std::path::PathBuf,
}

impl Cluster {
    fn engine(&self) -> Service {
        Service::start(
            &binary("smtp-engine"),
            &self.env,
            &self.dir,
            addr(self.ports.smtp),
        )
    }
    fn qprocessor(&self) -> Service {
        Service::spawn(&binary("qprocessor"), &self.env, &self.dir)
    }
    fn pop3d(&self) -> Service {
        Service::start(
            &binary("pop3d"),
            &self.env,
            &self.dir,
            addr(self.ports.pop3),
        )
    }
    fn imapd(&self) -> Service {
        Service::start(
            &binary("imapd"),
            &self.env,
            &self.dir,
            addr(self.ports.imap),
        )
    }
}

/// SIGKILL, and wait until the process is gone.
fn kill(service: &mut Service) {
    service.signal(libc::SIGKILL);
    assert!(service.wait(Duration::from_secs(10)).is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_accepted_is_lost_when_any_process_is_killed() {
    let mut server = TestStore::start();
    let store = server.store().await;
    let admin = Admin::new(&store);
    admin.add_domain("example.org").await.unwrap();
    admin.add_mailbox(ZOE, PASSWORD, 0).await.unwrap();

    let (mut env, ports) = server.env_with_ports();
    env.push(("MISMO_HOSTNAME".into(), "mx.example.org".into()));
    env.push(("MONGODB_TIMEOUT".into(), "2s".into()));
    env.push(("POP3_ALLOW_PLAINTEXT_AUTH".into(), "yes".into()));
    // What the killed qprocessor had claimed comes back when its lease runs
    // out: a short one here, so the test need not wait ten minutes.
    env.push(("QUEUE_LEASE".into(), "5s".into()));
    let cluster = Cluster {
        env,
        ports,
        dir: server.data_dir().to_path_buf(),
    };
    let mut engine = cluster.engine();
    let mut qprocessor = cluster.qprocessor();
    let mut pop3d = cluster.pop3d();
    let mut imapd = cluster.imapd();

    let stop = server.data_dir().join("stop-load");
    let results = server.data_dir().join("load.jsonl");
    let mut load = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/py/faults_load.py"
        ))
        .args(["127.0.0.1", &ports.smtp.to_string(), ZOE])
        .arg(&stop)
        .stdout(Stdio::from(std::fs::File::create(&results).unwrap()))
        .spawn()
        .unwrap();
    let pause = || std::thread::sleep(Duration::from_secs(3));
    pause();

    kill(&mut engine);
    engine = cluster.engine();
    pause();
    kill(&mut qprocessor);
    qprocessor = cluster.qprocessor();
    pause();
    kill(&mut pop3d);
    pop3d = cluster.pop3d();
    kill(&mut imapd);
    imapd = cluster.imapd();
    pause();

    // The store goes away: /status turns 503 and stays so until it is back.
    let lines_before_outage = std::fs::read_to_string(&results).unwrap().lines().count();
    server.stop();
    let outage = Instant::now();
    let mut statuses = Vec::new();
    while outage.elapsed() < Duration::from_secs(6) {
        statuses.push(http_get(addr(ports.status), "/status").0);
        std::thread::sleep(Duration::from_millis(250));
    }
    let lines_in_outage = std::fs::read_to_string(&results).unwrap().lines().count();
    server.restart();
    let back = Instant::now();
    while http_get(addr(ports.status), "/status").0 != 200 {
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "/status never said 200 again:\n{}",
            engine.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    pause();
    std::fs::write(&stop, b"").unwrap();
    assert!(load.wait().unwrap().success());

    // What the clients saw.
    let text = std::fs::read_to_string(&results).unwrap();
    let sessions: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut tally: HashMap<String, usize> = HashMap::new();
    for s in &sessions {
        *tally
            .entry(s["result"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let accepted: Vec<String> = sessions
        .iter()
        .filter(|s| s["result"] == "OK")
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let perm: Vec<&serde_json::Value> = sessions.iter().filter(|s| s["result"] == "PERM").collect();
    assert!(perm.is_empty(), "5xx replies: {perm:?}");
    let during = &sessions[lines_before_outage..lines_in_outage];
    assert!(
        during.iter().any(|s| s["result"] == "TEMP"),
        "no 4xx while the store was down: {during:?}"
    );
    let slowest = sessions
        .iter()
        .map(|s| s["seconds"].as_f64().unwrap())
        .fold(0.0, f64::max);
    // MONGODB_TIMEOUT is 2 s: an answer never waits much longer than that.
    assert!(slowest < 20.0, "a session hung for {slowest} s");
    // Each answer takes up to the 2 s a ping may wait; the first may come
    // before the engine noticed.
    assert!(
        statuses.len() >= 2 && statuses.iter().skip(1).all(|&c| c == 503),
        "/status during the outage: {statuses:?}"
    );

    // Every accepted message is delivered, once.
    let deadline = Instant::now() + Duration::from_secs(120);
    // Messages whose delivery was cut off by a kill and made again.
    let mut in_flight = 0;
    for id in &accepted {
        loop {
            let m = store.get_queued(id).await.unwrap();
            match m.as_ref().map(|m| (m.state, m.attempts)) {
                Some((QueueState::Delivered, attempts)) => {
                    in_flight += usize::from(attempts > 1);
                    break;
                }
                state => assert!(
                    Instant::now() < deadline,
                    "{id} accepted but {state:?}:\n{}",
                    qprocessor.log_text()
                ),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let entries = store.list_entries(ZOE).await.unwrap();
    let mut per_message: HashMap<&str, usize> = HashMap::new();
    for e in &entries {
        *per_message.entry(e.queue_id.as_str()).or_default() += 1;
    }
    let missing: Vec<&String> = accepted
        .iter()
        .filter(|id| !per_message.contains_key(id.as_str()))
        .collect();
    let twice = per_message.values().filter(|&&n| n > 1).count();
    println!(
        "fault test: {} sessions {tally:?}; {} accepted, {} in the mailbox, {} missing, {in_flight} in flight at a kill and delivered again, {twice} in the mailbox twice; /status during the outage {statuses:?}",
        sessions.len(),
        accepted.len(),
        entries.len(),
        missing.len()
    );
    assert!(missing.is_empty(), "lost: {missing:?}");
    // An entry's id is fixed by its queue id and mailbox, so even a
    // delivery in flight at a kill is stored once.
    assert_eq!(twice, 0);
    assert!(accepted.len() > 20, "too little load: {tally:?}");

    // The restarted readers serve what is there.
    let mut pop = std::net::TcpStream::connect(addr(ports.pop3)).unwrap();
    pop.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reader = BufReader::new(pop.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    use std::io::Write;
    write!(pop, "USER {ZOE}\r\nPASS {PASSWORD}\r\nSTAT\r\nQUIT\r\n").unwrap();
    let mut replies = Vec::new();
    for _ in 0..3 {
        let mut l = String::new();
        reader.read_line(&mut l).unwrap();
        replies.push(l);
    }
    assert!(
        replies[2].starts_with(&format!("+OK {} ", entries.len())),
        "{replies:?}\n{}",
        pop3d.log_text()
    );
    drop(imapd);
}
