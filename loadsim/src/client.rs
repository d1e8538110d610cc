//! One simulated mail client: mnm's 19-step cycle over submission. Connect,
//! STARTTLS, AUTH PLAIN; 17 posts in random order (15 to two mailboxes, 2
//! to a group of 100), each after a random 1-30 s pause; QUIT; idle 1-30 s.

use std::sync::Arc;
use std::time::Instant;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::Data;
use lettre::transport::smtp::extension::ClientId;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

use crate::ledger::Fault;
use crate::message::compose;
use crate::wire::STEP;
use crate::{Run, GROUP_SIZE};

const POSTS_TO_TWO: usize = 15;
const POSTS_TO_A_GROUP: usize = 2;
/// Message bodies are 1,000 to 12,400 octets: 6.7 kB on average, as in
/// mnm's run (6.7 GB for 1 M messages).
const BODY_BYTES: std::ops::Range<usize> = 1_000..12_400;

#[derive(Clone, Copy)]
enum Post {
    ToTwo,
    ToAGroup,
}

pub async fn run(run: Arc<Run>, client: u32) {
    let args = &run.args;
    let mut rng = StdRng::seed_from_u64(args.seed ^ (u64::from(client) << 20));
    let mut seq: u32 = 0;
    run.stagger(u64::from(client) << 20).await;
    while !run.sending_over() {
        let mut posts = vec![Post::ToTwo; POSTS_TO_TWO];
        posts.extend([Post::ToAGroup; POSTS_TO_A_GROUP]);
        posts.shuffle(&mut rng);
        if let Err(e) = session(&run, client, &posts, &mut rng, &mut seq).await {
            run.ledger
                .fault(Fault::Submission, format!("client {client}: {e}"));
        }
        run.pause(run.cycle_pause(&mut rng)).await;
    }
}

/// One session of the cycle; the first failure ends it.
async fn session(
    run: &Run,
    client: u32,
    posts: &[Post],
    rng: &mut StdRng,
    seq: &mut u32,
) -> Result<(), String> {
    let args = &run.args;
    let me = args.mailbox(client % args.mailboxes());
    let hello = ClientId::Domain(format!("client{client}.{}", args.domain));
    let mut conn = step(AsyncSmtpConnection::connect_tokio1(
        args.submission,
        Some(STEP),
        &hello,
        None,
        args.source(client),
    ))
    .await
    .map_err(|e| format!("connect: {e}"))?;
    let tls = TlsParameters::builder(args.submission.ip().to_string())
        .dangerous_accept_invalid_certs(true)
        .dangerous_accept_invalid_hostnames(true)
        .build_rustls()
        .map_err(|e| format!("TLS settings: {e}"))?;
    step(conn.starttls(tls, &hello))
        .await
        .map_err(|e| format!("STARTTLS: {e}"))?;
    step(conn.auth(
        &[Mechanism::Plain],
        &Credentials::new(me.clone(), args.password.clone()),
    ))
    .await
    .map_err(|e| format!("AUTH: {e}"))?;
    for post in posts {
        run.pause(run.cycle_pause(rng)).await;
        if run.sending_over() {
            break;
        }
        *seq += 1;
        let id = (u64::from(client) << 32) | u64::from(*seq);
        let (rcpts, due) = match post {
            Post::ToTwo => (two_others(run, client, rng), 2),
            Post::ToAGroup => (
                vec![args.group(rng.random_range(0..args.groups()))],
                GROUP_SIZE,
            ),
        };
        let to = rcpts
            .iter()
            .map(|r| format!("<{r}>"))
            .collect::<Vec<_>>()
            .join(", ");
        let message = compose(id, &me, &to, rng.random_range(BODY_BYTES), rng);
        step(conn.command(format!("MAIL FROM:<{me}> SIZE={}\r\n", message.len())))
            .await
            .map_err(|e| format!("MAIL: {e}"))?;
        for r in &rcpts {
            step(conn.command(format!("RCPT TO:<{r}>\r\n")))
                .await
                .map_err(|e| format!("RCPT: {e}"))?;
        }
        step(conn.command(Data))
            .await
            .map_err(|e| format!("DATA: {e}"))?;
        let body = message.strip_suffix(b"\r\n").unwrap_or(&message);
        let sent = Instant::now();
        step(conn.message(body))
            .await
            .map_err(|e| format!("end of data: {e}"))?;
        let eod_ms = sent.elapsed().as_secs_f64() * 1000.0;
        run.ledger.accepted(id, message.len(), due, eod_ms);
    }
    step(conn.quit()).await.map_err(|e| format!("QUIT: {e}"))?;
    Ok(())
}

/// Two distinct mailboxes, neither the client's own.
fn two_others(run: &Run, client: u32, rng: &mut StdRng) -> Vec<String> {
    let n = run.args.mailboxes();
    let own = client % n;
    let mut pick = |not: &[u32]| loop {
        let m = rng.random_range(0..n);
        if !not.contains(&m) {
            return m;
        }
    };
    let a = pick(&[own]);
    let b = pick(&[own, a]);
    vec![run.args.mailbox(a), run.args.mailbox(b)]
}

/// A reply within [`STEP`], its error in words.
async fn step<T, E: std::fmt::Display>(
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    crate::wire::step(f).await?.map_err(|e| e.to_string())
}
