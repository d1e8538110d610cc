//! The simulator's command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// Simulates many mail clients on a running Mismo cluster, as mnm's test
/// does: each client loops through a 19-step cycle (connect and AUTH on
/// submission; 17 posts at random 1-30 s intervals, 15 to two mailboxes and
/// 2 to a group of 100; QUIT; idle 1-30 s). POP3 and IMAP readers empty
/// every mailbox and check each copy against the checksum in its body.
///
/// The server's certificate is not checked (a load generator, not a mail
/// client), and the readers log in without TLS: point it at loopback
/// listeners that allow that (POP3_ALLOW_PLAINTEXT_AUTH,
/// IMAP_ALLOW_PLAINTEXT_AUTH).
#[derive(Parser, Debug, Clone)]
#[command(name = "mismo-loadsim", version)]
pub struct Args {
    /// Concurrent clients, 2 to 1,000.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub clients: u32,
    /// Seconds the clients send for; then they QUIT and the readers drain.
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// Every pause of the cycle (1-30 s) is divided by this, so a run of a
    /// minute or two goes through many cycles.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// The submission listener (STARTTLS, then AUTH PLAIN).
    #[arg(long)]
    pub submission: SocketAddr,
    /// The POP3 listener the readers use.
    #[arg(long)]
    pub pop3: SocketAddr,
    /// The IMAP listener the readers use.
    #[arg(long)]
    pub imap: SocketAddr,
    /// The domain of the simulated mailboxes: u0000@DOMAIN..., groups
    /// group0@DOMAIN... of 100 mailboxes each.
    #[arg(long, default_value = "load.test")]
    pub domain: String,
    /// Every simulated mailbox's password.
    #[arg(long, default_value = "load simulator password")]
    pub password: String,
    /// Mailboxes (at least 100, one group); default: one per client.
    #[arg(long)]
    pub mailboxes: Option<u32>,
    /// Every N-th mailbox is read over POP3, the others over IMAP.
    #[arg(long, default_value_t = 10)]
    pub pop3_every: u32,
    /// Seconds between an IMAP reader's looks for new mail (NOOP).
    #[arg(long, default_value_t = 1.0)]
    pub imap_poll: f64,
    /// Seconds between a POP3 reader's sessions (each one logs in anew).
    #[arg(long, default_value_t = 10.0)]
    pub pop3_poll: f64,
    /// Seconds to wait, after the clients stop, for the last copies.
    #[arg(long, default_value_t = 300)]
    pub drain_limit: u64,
    /// First create the domain, the mailboxes and the groups in the store
    /// (MONGODB_URI, MONGODB_DB); existing ones are kept.
    #[arg(long)]
    pub setup: bool,
    /// A Mismo process to measure, NAME=PID (repeatable). Without any,
    /// every process named like a Mismo service is measured.
    #[arg(long = "process", value_name = "NAME=PID", value_parser = parse_process)]
    pub processes: Vec<(String, i32)>,
    /// Another process to measure, NAME=PID (repeatable): shown in the
    /// table, not counted as Mismo's (the store, say).
    #[arg(long = "other-process", value_name = "NAME=PID", value_parser = parse_process)]
    pub others: Vec<(String, i32)>,
    /// Give each client and reader its own source address in 127.10.0.0/16,
    /// as many hosts would be (loopback targets only).
    #[arg(long)]
    pub spread_sources: bool,
    /// Where to write the plot of throughput and latency (PNG).
    #[arg(long, default_value = "loadsim.png")]
    pub plot: PathBuf,
    /// Seed of the random choices, for a repeatable run.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

fn parse_process(s: &str) -> Result<(String, i32), String> {
    let (name, pid) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected NAME=PID"))?;
    let pid = pid
        .parse()
        .map_err(|_| format!("{pid:?} is not a process id"))?;
    Ok((name.to_string(), pid))
}

impl Args {
    pub fn mailboxes(&self) -> u32 {
        self.mailboxes
            .unwrap_or(self.clients)
            .max(crate::GROUP_SIZE)
    }

    pub fn groups(&self) -> u32 {
        self.mailboxes() / crate::GROUP_SIZE
    }

    pub fn mailbox(&self, n: u32) -> String {
        format!("u{n:04}@{}", self.domain)
    }

    pub fn group(&self, g: u32) -> String {
        format!("group{g}@{}", self.domain)
    }

    /// The mailboxes group `g` expands to.
    pub fn group_members(&self, g: u32) -> std::ops::Range<u32> {
        g * crate::GROUP_SIZE..(g + 1) * crate::GROUP_SIZE
    }

    /// The source address of client or reader number `n`, if spread.
    pub fn source(&self, n: u32) -> Option<std::net::IpAddr> {
        self.spread_sources.then(|| {
            let n = n % 60_000;
            std::net::Ipv4Addr::new(127, 10, (n / 250) as u8, (n % 250 + 1) as u8).into()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Result<Args, clap::Error> {
        let base = [
            "mismo-loadsim",
            "--submission",
            "127.0.0.1:1",
            "--pop3",
            "127.0.0.1:2",
            "--imap",
            "127.0.0.1:3",
        ];
        Args::try_parse_from(base.iter().chain(extra))
    }

    #[test]
    fn clients_are_bounded_two_to_a_thousand() {
        assert!(args(&["--clients", "1"]).is_err());
        assert!(args(&["--clients", "1001"]).is_err());
        assert_eq!(args(&["--clients", "1000"]).unwrap().clients, 1000);
    }

    #[test]
    fn mailboxes_make_whole_groups_of_a_hundred() {
        let a = args(&["--clients", "250"]).unwrap();
        assert_eq!((a.mailboxes(), a.groups()), (250, 2));
        assert_eq!(a.group_members(1), 100..200);
        let small = args(&["--clients", "2"]).unwrap();
        assert_eq!((small.mailboxes(), small.groups()), (100, 1));
    }

    #[test]
    fn processes_are_name_equals_pid() {
        let a = args(&["--process", "smtp-engine=42"]).unwrap();
        assert_eq!(a.processes, vec![("smtp-engine".to_string(), 42)]);
        let e = args(&["--process", "smtp-engine"]).unwrap_err().to_string();
        assert!(e.contains("expected NAME=PID"), "{e}");
    }

    #[test]
    fn spread_sources_are_distinct_loopback_addresses() {
        let a = args(&["--spread-sources"]).unwrap();
        let all: std::collections::HashSet<_> = (0..1200).map(|n| a.source(n).unwrap()).collect();
        assert_eq!(all.len(), 1200);
        assert!(all.iter().all(|ip| ip.is_loopback()));
        assert_eq!(args(&[]).unwrap().source(3), None);
    }
}
