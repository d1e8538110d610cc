//! One module per noun; each turns a subcommand into admin operations and output.

pub mod admin;
pub mod alias;
pub mod domain;
pub mod mailbox;
pub mod man;
pub mod queue;

use mismo_core::admin::AdminError;

/// Why a command failed; every case exits 1 with one line.
#[derive(Debug)]
pub struct Failure(pub String);

impl From<AdminError> for Failure {
    fn from(e: AdminError) -> Self {
        Self(e.to_string())
    }
}

impl From<String> for Failure {
    fn from(e: String) -> Self {
        Self(e)
    }
}

pub type CmdResult = Result<(), Failure>;

/// The optional DOMAIN argument of the list commands, normalised.
pub fn domain_filter(domain: Option<String>) -> Result<Option<String>, Failure> {
    domain
        .map(|d| mismo_core::model::address::normalize_domain(&d))
        .transpose()
        .map_err(|e| Failure(e.to_string()))
}
