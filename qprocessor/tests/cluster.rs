//! Several qprocessors on one store: each recipient delivered once, and a
//! worker killed mid-run loses nothing.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::world;
use mismo_core::model::QueueState;
use mismo_testkit::enqueue;

async fn enqueue_many(w: &common::World, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let body = format!("Subject: bulk {i}\nX-Seq: {i}\n\nmessage {i}\n");
        ids.push(enqueue(&w.store, "zoe@example.org", &["friend@nomx.test"], &body).await);
    }
    ids
}

/// How many times the sink got each X-Seq.
fn seq_counts(w: &common::World) -> HashMap<usize, usize> {
    let mut counts = HashMap::new();
    for m in w.sink("127.0.0.3").messages() {
        if let Some(seq) = m.text.lines().find_map(|l| l.strip_prefix("X-Seq: ")) {
            *counts.entry(seq.trim().parse().unwrap()).or_insert(0) += 1;
        }
    }
    counts
}

async fn wait_all_delivered(w: &common::World, n: usize, limit: Duration) {
    let start = Instant::now();
    loop {
        let counts = w.store.queue_counts().await.unwrap();
        let delivered = counts
            .iter()
            .find(|(s, _)| s == "DELIVERED")
            .map(|(_, n)| *n)
            .unwrap_or(0);
        if delivered as usize == n {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "only {delivered} of {n} delivered: {counts:?}\n{}",
            w.logs()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn three_qprocessors_deliver_each_recipient_exactly_once() {
    let mut w = world(&[("127.0.0.3", &[])]).await;
    let n = 2000;
    enqueue_many(&w, n).await;
    for _ in 0..3 {
        w.start_worker(&[("QPROCESSOR_CONCURRENCY", "16")]);
    }
    wait_all_delivered(&w, n, Duration::from_secs(300)).await;
    let counts = seq_counts(&w);
    assert_eq!(counts.len(), n, "every message reached the sink");
    let twice: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    // All three took part.
    let logs: Vec<String> = w.workers.iter().map(|s| s.log_text()).collect();
    for (i, log) in logs.iter().enumerate() {
        assert!(
            log.contains(": DELIVERED, attempts="),
            "worker {i} delivered nothing:\n{log}"
        );
    }
}

#[tokio::test]
async fn a_qprocessor_killed_mid_run_loses_nothing() {
    let mut w = world(&[("127.0.0.3", &[])]).await;
    let n = 600;
    enqueue_many(&w, n).await;
    w.start_worker(&[("QPROCESSOR_CONCURRENCY", "32"), ("QUEUE_LEASE", "3s")]);
    // Kill it once it is well into the work.
    let start = Instant::now();
    loop {
        let delivered = seq_counts(&w).len();
        if delivered >= n / 4 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no progress:\n{}",
            w.logs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.workers[0].signal(libc::SIGKILL);
    w.workers[0].wait(Duration::from_secs(5)).expect("killed");
    let stranded = w
        .store
        .list_queued(Some(QueueState::Delivering), 10_000)
        .await
        .unwrap()
        .len();
    w.start_worker(&[("QPROCESSOR_CONCURRENCY", "32"), ("QUEUE_LEASE", "3s")]);
    wait_all_delivered(&w, n, Duration::from_secs(300)).await;
    let counts = seq_counts(&w);
    assert_eq!(counts.len(), n, "every message delivered after the kill");
    let twice = counts.values().filter(|c| **c > 1).count();
    // Reported, not forbidden: a message relayed just before the kill and not
    // yet recorded is sent again (at-least-once, never lost).
    println!(
        "SIGKILL run: {stranded} claims stranded by the kill, {twice} message(s) delivered twice"
    );
    assert!(
        twice <= stranded,
        "duplicates only among the stranded claims"
    );
}
