//! The table printed at the end of a run.

use comfy_table::{presets::ASCII_MARKDOWN, Table};

use crate::ledger::Ledger;
use crate::procs::Usage;

/// The figures of a finished run.
pub struct Summary {
    pub clients: u32,
    pub time_scale: f64,
    /// Seconds the clients sent for.
    pub sending: f64,
    /// Seconds until the last copy was read (or the drain gave up).
    pub total: f64,
    pub processes: Vec<Usage>,
    /// Processes measured but not Mismo's own (the store).
    pub others: Vec<Usage>,
    /// The largest sum of the processes' resident sets seen at one moment.
    pub together_mb: f64,
}

/// The `p`-th percentile (0-100) of `values`, nearest rank.
pub fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1])
}

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1} ms"))
}

pub fn table(ledger: &Ledger, s: &Summary) -> String {
    let totals = ledger.totals();
    let (short_messages, missing) = ledger.missing();
    let faults = ledger.faults();
    let strays = ledger.strays();
    let mut eod: Vec<f64> = ledger.replies().into_iter().map(|r| r.1).collect();
    let mut read: Vec<f64> = ledger.reads().into_iter().map(|r| r.1).collect();
    let mut t = Table::new();
    t.load_style(ASCII_MARKDOWN)
        .set_header(["measure", "value"]);
    let mut row = |k: &str, v: String| {
        t.add_row([k.to_string(), v]);
    };
    row("clients", s.clients.to_string());
    row(
        "sending time",
        format!("{:.1} s (pauses scaled 1/{})", s.sending, s.time_scale),
    );
    row("messages accepted (250)", totals.accepted.to_string());
    row("bytes accepted", totals.bytes.to_string());
    row(
        "messages/s",
        format!("{:.1}", totals.accepted as f64 / s.sending.max(0.001)),
    );
    row(
        "copies due (one per mailbox reached)",
        totals.due.to_string(),
    );
    row("copies read intact", totals.found.to_string());
    row(
        "copies/s (until the last was read)",
        format!("{:.1}", totals.found as f64 / s.total.max(0.001)),
    );
    row(
        "copies missing",
        format!("{missing} (of {short_messages} messages)"),
    );
    let fault = |kind| {
        faults
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    };
    use crate::ledger::Fault;
    row("errors: submission", fault(Fault::Submission).to_string());
    row("errors: reading", fault(Fault::Reading).to_string());
    row(
        "reader logins told to try later (retried)",
        ledger.waits().to_string(),
    );
    row("corrupt copies", fault(Fault::Corrupt).to_string());
    row(
        "duplicate or unknown copies",
        (fault(Fault::Unexpected) + strays).to_string(),
    );
    row("end of DATA to 250, p50", ms(percentile(&mut eod, 50.0)));
    row("end of DATA to 250, p99", ms(percentile(&mut eod, 99.0)));
    row("250 to readable, p50", ms(percentile(&mut read, 50.0)));
    row("250 to readable, p99", ms(percentile(&mut read, 99.0)));
    let usage = |p: &Usage| {
        format!(
            "peak RSS {:.1} MB, CPU {:.1} s ({:.0}% of one core)",
            p.peak_mb,
            p.cpu_seconds,
            100.0 * p.cpu_seconds / s.total.max(0.001)
        )
    };
    for p in &s.processes {
        row(&format!("{} (pid {})", p.name, p.pid), usage(p));
    }
    for p in &s.others {
        row(
            &format!("{} (pid {}, not Mismo's)", p.name, p.pid),
            usage(p),
        );
    }
    let peaks: f64 = s.processes.iter().map(|p| p.peak_mb).sum();
    row(
        "Mismo processes' RSS together",
        format!(
            "{:.1} MB at most at one moment (peaks added: {peaks:.1} MB)",
            s.together_mb
        ),
    );
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).rev().collect();
        assert_eq!(percentile(&mut v, 50.0), Some(50.0));
        assert_eq!(percentile(&mut v, 99.0), Some(99.0));
        assert_eq!(percentile(&mut v, 100.0), Some(100.0));
        assert_eq!(percentile(&mut [7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&mut [], 50.0), None);
    }

    #[test]
    fn the_table_names_every_figure_the_run_is_judged_by() {
        let l = Ledger::default();
        l.accepted(1, 6700, 2, 4.0);
        l.found(1, 3, 0.5);
        let text = table(
            &l,
            &Summary {
                clients: 2,
                time_scale: 10.0,
                sending: 1.0,
                total: 2.0,
                processes: vec![Usage {
                    name: "smtp-engine".into(),
                    pid: 9,
                    peak_mb: 12.0,
                    cpu_seconds: 1.0,
                }],
                together_mb: 12.0,
                others: Vec::new(),
            },
        );
        for want in [
            "| messages accepted (250)",
            "| 6700 ",
            "copies missing",
            "1 (of 1 messages)",
            "end of DATA to 250, p99",
            "| 4.0 ms",
            "smtp-engine (pid 9)",
            "peak RSS 12.0 MB, CPU 1.0 s (50% of one core)",
        ] {
            assert!(text.contains(want), "{want:?} not in\n{text}");
        }
    }
}
