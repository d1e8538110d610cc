//! Change streams: how idle qprocessors learn of new mail without polling
//! the store.

use mongodb::bson::{doc, Document};
use mongodb::change_stream::event::ChangeStreamEvent;
use mongodb::change_stream::ChangeStream;

use super::names::MESSAGES;
use super::{Store, StoreResult};

/// Events that say only that something happened, never what the document
/// holds.
pub type Changes = ChangeStream<ChangeStreamEvent<Document>>;

impl Store {
    /// A change stream that yields once per newly queued message, with
    /// nothing of the message in it. The embedded store decodes every write
    /// to the collection for each open stream, so a qprocessor keeps it open
    /// only while it is idle. Servers without change streams (a standalone
    /// mongod) answer with an error; polling [`Store::any_due`] is the
    /// fallback.
    pub async fn watch_new_mail(&self) -> StoreResult<Changes> {
        self.run(self.raw(MESSAGES).watch().pipeline([
            doc! { "$match": { "operationType": "insert" } },
            // The event must not carry the message (inline bytes and all).
            doc! { "$project": { "_id": 1, "operationType": 1, "ns": 1, "documentKey": 1 } },
        ]))
        .await
    }
}
