//! Running services that can be asked how they are (see [`Node`]).

use futures_util::TryStreamExt;
use mongodb::bson::doc;

use super::names::NODES;
use super::{Store, StoreResult};
use crate::model::Node;

impl Store {
    fn nodes(&self) -> mongodb::Collection<Node> {
        self.collection(NODES)
    }

    /// Writes the node's document, creating it the first time.
    pub async fn heartbeat(&self, node: &Node) -> StoreResult<()> {
        self.run(
            self.nodes()
                .replace_one(doc! { "_id": &node.id }, node)
                .upsert(true),
        )
        .await?;
        Ok(())
    }

    /// The nodes of one kind that have been seen since `since` (ms), by id.
    pub async fn live_nodes(&self, kind: &str, since: i64) -> StoreResult<Vec<Node>> {
        let cursor = self
            .run(
                self.nodes()
                    .find(doc! { "kind": kind, "seen_at": { "$gte": since } })
                    .sort(doc! { "_id": 1 }),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }

    pub async fn remove_node(&self, id: &str) -> StoreResult<()> {
        self.run(self.nodes().delete_one(doc! { "_id": id }))
            .await?;
        Ok(())
    }
}
