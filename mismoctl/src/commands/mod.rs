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
pub struct CommandFailed(pub String);

impl From<AdminError> for CommandFailed {
    fn from(e: AdminError) -> Self {
        Self(e.to_string())
    }
}

impl From<String> for CommandFailed {
    fn from(e: String) -> Self {
        Self(e)
    }
}

pub type CmdResult = Result<(), CommandFailed>;

/// The optional DOMAIN argument of the list commands, normalised.
pub fn domain_filter(domain: Option<String>) -> Result<Option<String>, CommandFailed> {
    domain
        .map(|d| mismo_core::model::address::normalize_domain(&d))
        .transpose()
        .map_err(|e| CommandFailed(e.to_string()))
}
