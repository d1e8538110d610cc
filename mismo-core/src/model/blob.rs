use serde::{Deserialize, Serialize};

/// Bytes per stored chunk. Well below MongoDB's 16 MB document limit, and small
/// enough that one chunk in flight costs little memory in any service.
pub const CHUNK_SIZE: usize = 4 * 1024 * 1024;

/// Messages up to this size keep their bytes inside the document that owns
/// them (the queue document, each mailbox entry), so accepting one is a single
/// insert and reading one a single find. Most mail is far smaller; larger
/// messages go to `message_chunks`, written once and shared.
pub const INLINE_LIMIT: usize = 128 * 1024;

/// Where a message's raw bytes are.
///
/// - `chunks > 0`: documents `"{id}:{n}"` for n in 0..chunks in collection
///   `message_chunks`, written before the document that references them, so a
///   reference always points at complete bytes.
/// - `chunks == 0`: the bytes are `inline`, in the owning document itself.
///   A listing may leave them out (projection); [`BlobRef::is_loaded`] tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    pub id: String,
    pub size: i64,
    pub chunks: i32,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "serde_bytes")]
    pub inline: Option<Vec<u8>>,
}

impl BlobRef {
    /// Bytes held in the owning document rather than in chunks.
    pub fn is_inline(&self) -> bool {
        self.chunks == 0
    }

    /// Whether the bytes can be read from this reference as it is: chunked
    /// bytes always can, inline ones only if the listing included them.
    pub fn is_loaded(&self) -> bool {
        !self.is_inline() || self.inline.is_some()
    }

    /// How many parts `Store::read_chunk` serves: the chunks, or the one
    /// inline part.
    pub fn parts(&self) -> i32 {
        if self.is_inline() {
            1
        } else {
            self.chunks
        }
    }

    /// The same reference without the inline bytes, for documents that only
    /// point at the message.
    pub fn without_bytes(&self) -> Self {
        Self {
            inline: None,
            ..self.clone()
        }
    }
}
