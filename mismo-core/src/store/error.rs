//! Store errors, in the terms callers act on.

use mongodb::error::{ErrorKind, WriteFailure};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached or did not answer in time. Callers answer
    /// with a temporary failure (SMTP 451, POP3 -ERR [SYS/TEMP], HTTP 503).
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A document with this key exists already.
    #[error("already exists: {0}")]
    Duplicate(String),
    /// Stored bytes are missing or do not add up; never silently truncated.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// A bound on what one mailbox may hold was reached (its folders).
    #[error("{0}")]
    Limit(String),
    /// Anything else the store said.
    #[error("store error: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

const DUPLICATE_KEY: i32 = 11000;

impl StoreError {
    pub fn is_temporary(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<mongodb::error::Error> for StoreError {
    fn from(err: mongodb::error::Error) -> Self {
        let code = match err.kind.as_ref() {
            ErrorKind::Write(WriteFailure::WriteError(we)) => Some(we.code),
            ErrorKind::InsertMany(im) => im
                .write_errors
                .as_ref()
                .and_then(|errors| errors.first().map(|e| e.code)),
            ErrorKind::Command(ce) => Some(ce.code),
            _ => None,
        };
        if code == Some(DUPLICATE_KEY) {
            return Self::Duplicate(message_of(&err));
        }
        match err.kind.as_ref() {
            ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::Shutdown => Self::Unavailable(message_of(&err)),
            _ => Self::Other(message_of(&err)),
        }
    }
}

/// The server's own words where it gave some. A server may send an error reply
/// without a `code`, which the driver reports as a decoding problem; the real
/// message is then only in the raw response.
fn message_of(err: &mongodb::error::Error) -> String {
    if let Some(msg) = err
        .server_response()
        .and_then(|doc| doc.get_str("errmsg").ok())
    {
        return msg.to_string();
    }
    err.kind.to_string()
}

impl From<mongodb::bson::ser::Error> for StoreError {
    fn from(err: mongodb::bson::ser::Error) -> Self {
        Self::Other(format!("encoding a document: {err}"))
    }
}

impl From<mongodb::bson::de::Error> for StoreError {
    fn from(err: mongodb::bson::de::Error) -> Self {
        Self::Corrupt(format!("decoding a document: {err}"))
    }
}
