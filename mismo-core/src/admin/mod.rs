//! The operations of the admin console and `mismoctl`, with their checks, so
//! both front ends apply the same rules and only format the results.

mod administrators;
mod aliases;
mod domains;
mod mailboxes;
mod queue;
mod records;
mod second_factor;

pub use administrators::{new_token, token_hash, SESSION_LIFETIME};
pub use aliases::alias_source;
pub use domains::verify_domain;
pub use records::{RecordCheck, RecordStatus, Wanted};
pub use second_factor::Enrolment;

use crate::StoreError;

/// Why an admin operation was refused. Each reads as one line for a person.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The input is malformed.
    #[error("{0}")]
    Invalid(String),
    /// What it names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// It conflicts with what exists.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type AdminResult<T> = Result<T, AdminError>;

impl From<crate::model::address::AddressError> for AdminError {
    fn from(e: crate::model::address::AddressError) -> Self {
        Self::Invalid(e.to_string())
    }
}

/// Admin operations over one store.
pub struct Admin<'a> {
    pub store: &'a crate::Store,
}

impl<'a> Admin<'a> {
    pub fn new(store: &'a crate::Store) -> Self {
        Self { store }
    }
}
