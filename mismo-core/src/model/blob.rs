use serde::{Deserialize, Serialize};

/// Bytes per stored chunk. Well below MongoDB's 16 MB document limit, and small
/// enough that one chunk in flight costs little memory in any service.
pub const CHUNK_SIZE: usize = 4 * 1024 * 1024;

/// Where a message's raw bytes are: `chunks` documents `"{id}:{n}"` for
/// n in 0..chunks in collection `message_chunks`.
///
/// The chunks are written before the document that references them, so a
/// reference always points at complete bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    pub id: String,
    pub size: i64,
    pub chunks: i32,
}
