//! One module per noun; each turns a subcommand into admin operations and output.

pub mod alias;
pub mod domain;
pub mod mailbox;
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
