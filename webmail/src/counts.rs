//! How many messages each folder holds, and how many are unread: the side
//! bar shows them on every page, and the store can only count a folder by
//! reading it (120 ms and 230 ms at 50,000 messages here).
//!
//! So the counts are kept per folder under the folder's mod-sequence and
//! UID floor, which every filing, flag change and expunge moves on. Each
//! page reads the folder documents anyway; a count is reused only while
//! both are unchanged. A write that took its mod-sequence but had not yet
//! landed when a count was made would be missed by it, so a count is also
//! made again after [`FRESH`]: a count can lag a change that raced with
//! it by that long at most; the message list itself is always read live.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mismo_core::model::Folder;
use mismo_core::{Store, StoreResult};

/// How long a count is reused while its folder does not change.
pub const FRESH: Duration = Duration::from_secs(30);
/// Folders remembered at most; then forgotten all at once.
const REMEMBERED: usize = 50_000;

#[derive(Clone, Copy)]
struct Counted {
    modseq: i64,
    uid_floor: i64,
    at: Instant,
    total: u64,
    unread: u64,
}

#[derive(Default)]
pub struct Counts {
    folders: Mutex<HashMap<String, Counted>>,
}

impl Counts {
    /// The folder's (total, unread), counted again only if it changed.
    pub async fn of(&self, store: &Store, folder: &Folder) -> StoreResult<(u64, u64)> {
        let known = self
            .folders
            .lock()
            .expect("counts lock")
            .get(&folder.id)
            .copied();
        if let Some(c) = known {
            if c.modseq == folder.modseq
                && c.uid_floor == folder.uid_floor
                && c.at.elapsed() < FRESH
            {
                return Ok((c.total, c.unread));
            }
        }
        let (total, unread) = store.folder_counts(&folder.mailbox, &folder.id).await?;
        let mut folders = self.folders.lock().expect("counts lock");
        if folders.len() >= REMEMBERED {
            folders.clear();
        }
        folders.insert(
            folder.id.clone(),
            Counted {
                modseq: folder.modseq,
                uid_floor: folder.uid_floor,
                at: Instant::now(),
                total,
                unread,
            },
        );
        Ok((total, unread))
    }
}
