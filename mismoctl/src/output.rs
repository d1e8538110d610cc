//! Printing results: a table for people, JSON for scripts.

use std::time::{Duration, UNIX_EPOCH};

use comfy_table::Table;
use serde::Serialize;

pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints rows as a table, or as a JSON array.
    pub fn rows<T: Serialize>(
        &self,
        header: &[&str],
        rows: &[T],
        cells: impl Fn(&T) -> Vec<String>,
    ) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(rows).expect("JSON"));
            return;
        }
        let mut table = Table::new();
        table.set_header(header.to_vec());
        for row in rows {
            table.add_row(cells(row));
        }
        println!("{table}");
    }

    /// Prints one object: JSON, or the line a person wants to read.
    pub fn one<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value).expect("JSON"));
        } else {
            println!("{}", human());
        }
    }
}

/// A stored time (ms since the epoch) as RFC 3339, to the second.
pub fn time(ms: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_seconds(at).to_string()
}

/// Bytes for people: 1.5 MiB.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
