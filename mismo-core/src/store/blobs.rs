//! Raw message bytes: inline in the owning document when small, otherwise
//! split into chunks below MongoDB's document limit.
//!
//! GridFS would do the chunking on MongoDB, but its two-collection layout costs
//! an extra write per message and its `fs.files` name has a dot; the format here
//! is one document per chunk, `_id = "{blob}:{n}"`.

use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{doc, Binary, Document};

use super::names::MESSAGE_CHUNKS;
use super::{Store, StoreError, StoreResult};
use crate::model::{new_id, BlobRef, CHUNK_SIZE, INLINE_LIMIT};

fn chunk_id(blob: &str, n: i32) -> String {
    format!("{blob}:{n}")
}

impl Store {
    /// Stores `bytes` and returns the reference to put in the owning document.
    /// Up to [`INLINE_LIMIT`] the bytes travel inside the reference and nothing
    /// is written here. Otherwise either every chunk is stored, or an error is
    /// returned (and what was written is removed as far as the store lets us).
    pub async fn put_blob(&self, bytes: &[u8]) -> StoreResult<BlobRef> {
        let id = new_id();
        if bytes.len() <= INLINE_LIMIT {
            return Ok(BlobRef {
                id,
                size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                chunks: 0,
                inline: Some(bytes.to_vec()),
            });
        }
        let chunks = self.raw(MESSAGE_CHUNKS);
        let mut written = 0;
        for (n, part) in bytes.chunks(CHUNK_SIZE).enumerate() {
            let n = i32::try_from(n).map_err(|_| StoreError::Other("message too large".into()))?;
            let chunk = doc! {
                "_id": chunk_id(&id, n),
                "blob_id": &id,
                "n": n,
                "data": Binary { subtype: BinarySubtype::Generic, bytes: part.to_vec() },
            };
            if let Err(e) = self.run(chunks.insert_one(chunk)).await {
                let partial = BlobRef {
                    id,
                    size: 0,
                    chunks: written,
                    inline: None,
                };
                let _ = self.delete_blob(&partial).await;
                return Err(e);
            }
            written = n + 1;
        }
        Ok(BlobRef {
            id,
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            chunks: written,
            inline: None,
        })
    }

    /// Reads part `n` of a blob (see [`BlobRef::parts`]).
    pub async fn read_chunk(&self, blob: &BlobRef, n: i32) -> StoreResult<Vec<u8>> {
        if blob.is_inline() {
            return match (&blob.inline, n) {
                (Some(bytes), 0) => Ok(bytes.clone()),
                (Some(_), _) => Err(StoreError::Corrupt(format!(
                    "inline blob {} has no part {n}",
                    blob.id
                ))),
                (None, _) => Err(StoreError::Other(format!(
                    "blob {} was listed without its bytes",
                    blob.id
                ))),
            };
        }
        let found = self
            .run(
                self.raw(MESSAGE_CHUNKS)
                    .find_one(doc! { "_id": chunk_id(&blob.id, n) }),
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("chunk {n} of {} is missing", blob.id)))?;
        chunk_bytes(found, &blob.id, n)
    }

    /// Reads a whole blob, checking that its size adds up.
    pub async fn get_blob(&self, blob: &BlobRef) -> StoreResult<Vec<u8>> {
        if blob.is_inline() {
            return self.read_chunk(blob, 0).await;
        }
        let mut out = Vec::with_capacity(usize::try_from(blob.size).unwrap_or(0));
        for n in 0..blob.chunks {
            out.extend_from_slice(&self.read_chunk(blob, n).await?);
        }
        if i64::try_from(out.len()).ok() != Some(blob.size) {
            return Err(StoreError::Corrupt(format!(
                "blob {} has {} bytes, expected {}",
                blob.id,
                out.len(),
                blob.size
            )));
        }
        Ok(out)
    }

    /// Removes a blob's chunks (inline bytes go with their document).
    pub async fn delete_blob(&self, blob: &BlobRef) -> StoreResult<()> {
        if blob.is_inline() {
            return Ok(());
        }
        self.run(
            self.raw(MESSAGE_CHUNKS)
                .delete_many(doc! { "blob_id": &blob.id }),
        )
        .await?;
        Ok(())
    }
}

fn chunk_bytes(mut chunk: Document, blob: &str, n: i32) -> StoreResult<Vec<u8>> {
    match chunk.remove("data") {
        Some(mongodb::bson::Bson::Binary(b)) => Ok(b.bytes),
        _ => Err(StoreError::Corrupt(format!(
            "chunk {n} of {blob} holds no bytes"
        ))),
    }
}
