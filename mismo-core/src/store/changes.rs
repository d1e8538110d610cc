//! Change streams: how services learn of new mail and of directory changes
//! without polling the store.

use mongodb::bson::{doc, Document};
use mongodb::change_stream::event::ChangeStreamEvent;
use mongodb::change_stream::ChangeStream;

use super::names::MESSAGES;
use super::{Store, StoreResult};

/// Events that say only that something happened and where, never what the
/// document holds.
pub type Changes = ChangeStream<ChangeStreamEvent<Document>>;

impl Store {
    /// One change stream over the database: every change to `collections`,
    /// and, with `new_messages`, every newly queued message. One stream, not
    /// one per collection, because the server reads its oplog once per open
    /// stream for every write. Servers without change streams (a standalone
    /// mongod) answer with an error; the caller then falls back to polling.
    pub async fn watch_changes(
        &self,
        collections: &[&str],
        new_messages: bool,
    ) -> StoreResult<Changes> {
        let mut wanted = vec![doc! { "ns.coll": { "$in": collections } }];
        if new_messages {
            wanted.push(doc! { "ns.coll": MESSAGES, "operationType": "insert" });
        }
        self.run(self.database().watch().pipeline([
            doc! { "$match": { "$or": wanted } },
            // An event must not carry the document (a message's inline bytes).
            doc! { "$project": { "_id": 1, "operationType": 1, "ns": 1, "documentKey": 1 } },
        ]))
        .await
    }
}
