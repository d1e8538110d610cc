//! Mismo's load simulator, after mnm's: many clients sending through
//! submission while readers empty every mailbox over POP3 and IMAP and
//! check each copy. See `args` for the cycle and `report` for the table.

pub mod args;
mod client;
mod imap;
pub mod ledger;
pub mod message;
mod plot;
mod pop3;
pub mod procs;
pub mod report;
mod setup;
mod wire;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use rand::{RngExt, SeedableRng};
use tokio::time::Instant;

use args::Args;
use ledger::Ledger;

/// Mailboxes in a group, as in mnm's cycle.
pub const GROUP_SIZE: u32 = 100;
/// How often the processes' memory and CPU are read.
const SAMPLE: Duration = Duration::from_millis(250);

/// What the clients and readers of one run share.
pub struct Run {
    pub args: Args,
    pub ledger: Ledger,
    sending_until: Instant,
    drained: AtomicBool,
}

impl Run {
    /// True once the clients should stop posting.
    pub fn sending_over(&self) -> bool {
        Instant::now() >= self.sending_until
    }

    /// True once every copy is read (or the drain gave up): the readers
    /// make one last pass and stop.
    pub fn drained(&self) -> bool {
        self.drained.load(Ordering::Relaxed)
    }

    /// Sleeps `d`, but no further than the end of sending while it lasts.
    pub async fn pause(&self, d: Duration) {
        let now = Instant::now();
        let until = if now < self.sending_until {
            (now + d).min(self.sending_until)
        } else {
            now + d
        };
        tokio::time::sleep_until(until).await;
    }

    /// Waits a random share of the longest pause (30 s, scaled), so that
    /// clients and readers do not all begin at the same moment.
    pub async fn stagger(&self, seed: u64) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.args.seed ^ seed);
        let share = rng.random_range(0.0..30.0) / self.args.time_scale;
        self.pause(Duration::from_secs_f64(share)).await;
    }

    /// One of the cycle's random 1-30 s pauses, scaled.
    pub fn cycle_pause(&self, rng: &mut impl rand::Rng) -> Duration {
        Duration::from_secs_f64(rng.random_range(1.0..30.0) / self.args.time_scale)
    }
}

/// Runs the simulation and prints its table; true when nothing went wrong
/// (no error, every copy read intact exactly once).
pub async fn run(args: Args) -> Result<bool, String> {
    if !(args.time_scale > 0.0 && args.imap_poll > 0.0 && args.pop3_poll > 0.0) {
        return Err("--time-scale, --imap-poll and --pop3-poll must be above 0".into());
    }
    if args.pop3_every == 0 {
        return Err("--pop3-every must be at least 1".into());
    }
    if args.setup {
        setup::run(&args).await?;
    }
    let watched = Arc::new(procs::find(&args.processes));
    let others: Vec<procs::Watched> = args
        .others
        .iter()
        .filter_map(|(name, pid)| procs::Watched::new(name.clone(), *pid))
        .collect();
    let me = procs::Watched::new("mismo-loadsim".into(), std::process::id() as i32);
    let together_kb = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (watched, together_kb, sampling) =
            (watched.clone(), together_kb.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                let sum: u64 = watched.iter().map(|w| w.sample()).sum();
                together_kb.fetch_max(sum, Ordering::Relaxed);
                tokio::time::sleep(SAMPLE).await;
            }
        })
    };

    let run = Arc::new(Run {
        sending_until: Instant::now() + Duration::from_secs(args.duration),
        ledger: Ledger::default(),
        drained: AtomicBool::new(false),
        args,
    });
    let args = &run.args;
    let mut readers = tokio::task::JoinSet::new();
    for m in 0..args.mailboxes() {
        if m % args.pop3_every == 0 {
            readers.spawn(pop3::read(run.clone(), m));
        } else {
            readers.spawn(imap::read(run.clone(), m));
        }
    }
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..args.clients {
        clients.spawn(client::run(run.clone(), c));
    }

    let bar = ProgressBar::new(args.duration).with_style(style(
        "{spinner} sending  [{elapsed_precise}] {wide_bar} {pos}/{len} s  {msg}",
    ));
    while !run.sending_over() {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let t = run.ledger.totals();
        bar.set_position(run.ledger.now() as u64);
        bar.set_message(format!(
            "{} sent, {}/{} copies read, {} errors",
            t.accepted, t.found, t.due, t.faults
        ));
    }
    while clients.join_next().await.is_some() {}
    bar.finish();
    let sending = run.ledger.now();

    let due = run.ledger.totals().due;
    let bar = ProgressBar::new(due).with_style(style(
        "{spinner} draining [{elapsed_precise}] {wide_bar} {pos}/{len} copies  {msg}",
    ));
    let limit = Instant::now() + Duration::from_secs(args.drain_limit);
    while run.ledger.copies_missing() > 0 && Instant::now() < limit {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let t = run.ledger.totals();
        bar.set_position(t.found);
        bar.set_message(format!("{} errors", t.faults));
    }
    bar.finish();
    let total = run.ledger.last_read().max(sending);
    run.drained.store(true, Ordering::Relaxed);
    while readers.join_next().await.is_some() {}
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    let together = together_kb.load(Ordering::Relaxed);
    for w in watched.iter().chain(&others) {
        w.sample();
    }

    let summary = report::Summary {
        clients: args.clients,
        time_scale: args.time_scale,
        sending,
        total,
        processes: watched.iter().map(|w| w.usage()).collect(),
        others: others.iter().map(|w| w.usage()).collect(),
        together_mb: together as f64 / 1024.0,
    };
    println!("{}", report::table(&run.ledger, &summary));
    if let Some(me) = me {
        me.sample();
        let u = me.usage();
        println!(
            "The simulator itself: CPU {:.1} s, peak RSS {:.1} MB (on the same machine).",
            u.cpu_seconds, u.peak_mb
        );
    }
    for example in run.ledger.examples() {
        println!("  {example}");
    }
    match plot::write(
        &args.plot,
        &run.ledger.replies(),
        &run.ledger.reads(),
        total,
    ) {
        Ok(()) => println!("Plot: {}", args.plot.display()),
        Err(e) => println!("No plot: {e}"),
    }
    let clean = run.ledger.faults().is_empty()
        && run.ledger.missing() == (0, 0)
        && run.ledger.strays() == 0;
    Ok(clean)
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}
