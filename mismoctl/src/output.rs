//! Printing results: a table for people, JSON for scripts.

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

pub use mismo_core::display::{bytes, time};
