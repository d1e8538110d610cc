//! The IMAP commands, one file per family, as Dovecot's `cmd-*.c`: each
//! adds to [`Connection`] the methods that carry its commands out against
//! the store. What a command's reply looks like is decided by the pure
//! parts (`session`, `view`, `fetch_data`, `search`); the connection only
//! reads and writes.

mod any_state;
mod append;
mod auth;
mod changes;
mod copy;
mod expunge;
mod fetch;
mod folders;
mod idle;
mod list;
mod search;
mod select;
mod status;
mod store;
#[cfg(test)]
pub(crate) mod testing;

pub(crate) use store::StoreRequest;

use mismo_core::model::Folder;
use mismo_core::StoreError;

use crate::connection::Connection;
use crate::read_ahead::{ReadAhead, Source};
use crate::sequence::SequenceSet;
use crate::session::State;
use crate::view::View;

/// How a command that did not complete ended.
pub enum CommandError {
    /// The connection failed: nothing more can be said.
    Io(std::io::Error),
    /// The store failed: `NO [UNAVAILABLE]`, the details only logged.
    Store(StoreError),
    /// A `NO` with this text.
    No(String),
    /// A `BAD` with this text.
    Bad(String),
}

/// What carrying out a command gives.
pub type Outcome = Result<(), CommandError>;

impl From<std::io::Error> for CommandError {
    fn from(e: std::io::Error) -> Self {
        CommandError::Io(e)
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        CommandError::Store(e)
    }
}

/// RFC 9208 5: what APPEND and COPY say when the mailbox's quota has no
/// room for what they would add.
const OVER_QUOTA: &str = "[OVERQUOTA] Mailbox is full";

fn no(text: &str) -> CommandError {
    CommandError::No(text.to_string())
}

/// The selected folder (its mailbox, the folder and the session's view of
/// it), or `None` when nothing is selected; `NO [READ-ONLY]` when the
/// command would `write` to a folder EXAMINE opened.
fn selection(
    state: &State,
    write: bool,
) -> Result<Option<(&String, &Folder, &View)>, CommandError> {
    match state {
        State::Selected {
            read_only: true, ..
        } if write => Err(no("[READ-ONLY] Folder is read-only")),
        State::Selected {
            mailbox,
            folder,
            view,
            ..
        } => Ok(Some((mailbox, folder, view))),
        _ => Ok(None),
    }
}

impl Connection {
    /// The signed-in mailbox's address.
    fn mailbox(&self) -> String {
        self.session.mailbox().unwrap_or_default().to_string()
    }

    /// Queues untagged lines and the tagged OK.
    pub(crate) async fn ok(&mut self, tag: &str, untagged: &str, text: &str) -> Outcome {
        let mut out = String::with_capacity(untagged.len() + 64);
        out.push_str(untagged);
        out.push_str(tag);
        out.push_str(" OK ");
        out.push_str(if text.is_empty() { "completed" } else { text });
        out.push_str("\r\n");
        // Written once the client has no more commands waiting (pipelined
        // ones, as mbsync sends, are answered together), or sooner if much.
        self.queue(out.as_bytes()).await?;
        Ok(())
    }

    /// A folder of the signed-in mailbox, or `NO [NONEXISTENT]`.
    async fn folder(&mut self, mailbox: &str, name: &str) -> Result<Folder, CommandError> {
        self.server
            .store
            .get_folder(mailbox, name)
            .await?
            .ok_or_else(|| no("[NONEXISTENT] No such folder"))
    }

    /// The selected folder's messages a set names, or BAD for numbers past
    /// the end.
    fn resolve(&self, set: &SequenceSet, uid: bool) -> Result<Vec<usize>, CommandError> {
        let State::Selected { view, .. } = &self.session.state else {
            return Ok(Vec::new());
        };
        if !uid && view.out_of_range(set) {
            return Err(CommandError::Bad("Invalid message number".into()));
        }
        Ok(view.resolve(set, uid))
    }

    /// The selected folder as the read-ahead reads it, and the read-ahead.
    fn reader(&mut self) -> Option<(Source<'_>, &mut ReadAhead)> {
        let State::Selected { mailbox, view, .. } = &self.session.state else {
            return None;
        };
        let source = Source {
            store: &self.server.store,
            cache: &self.server.headers,
            mailbox,
            msgs: &view.msgs,
        };
        Some((source, &mut self.ahead))
    }

    /// The selected folder's message `index` with its bytes; `None` if it
    /// was expunged meanwhile.
    async fn entry_at(
        &mut self,
        index: usize,
    ) -> Result<Option<mismo_core::model::MailboxEntry>, CommandError> {
        let Some((src, ahead)) = self.reader() else {
            return Ok(None);
        };
        Ok(ahead.entry(&src, index).await?)
    }

    /// Message `index`'s bytes as delivered.
    async fn message_bytes(&mut self, index: usize) -> Result<Option<Vec<u8>>, CommandError> {
        let Some((src, ahead)) = self.reader() else {
            return Ok(None);
        };
        Ok(ahead.message(&src, index).await?)
    }

    /// Message `index`'s header block (the whole message where none is
    /// kept apart).
    async fn header_at(&mut self, index: usize) -> Result<Option<Vec<u8>>, CommandError> {
        let Some((src, ahead)) = self.reader() else {
            return Ok(None);
        };
        Ok(ahead.header(&src, index).await?)
    }
}
