//! Raw message bytes, split into chunks below MongoDB's document limit.
//!
//! GridFS would do this on MongoDB, but its `fs.files` names are refused by the
//! embedded store, and its two-collection layout costs an extra write per
//! message; the format here is one document per chunk, `_id = "{blob}:{n}"`.

use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{doc, Binary, Document};

use super::names::MESSAGE_CHUNKS;
use super::{Store, StoreError, StoreResult};
use crate::model::{new_id, BlobRef, CHUNK_SIZE};

fn chunk_id(blob: &str, n: i32) -> String {
    format!("{blob}:{n}")
}

impl Store {
    /// Stores `bytes` and returns the reference to put in the owning document.
    /// Either every chunk is stored, or an error is returned (and what was
    /// written is removed as far as the store lets us).
    pub async fn put_blob(&self, bytes: &[u8]) -> StoreResult<BlobRef> {
        let id = new_id();
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
        })
    }

    /// Reads chunk `n` of a blob.
    pub async fn read_chunk(&self, blob: &BlobRef, n: i32) -> StoreResult<Vec<u8>> {
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

    /// Removes a blob's chunks.
    pub async fn delete_blob(&self, blob: &BlobRef) -> StoreResult<()> {
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
