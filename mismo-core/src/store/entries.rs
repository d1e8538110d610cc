//! Messages in folders: filed under the next UID, listed, flagged, removed.

use futures_util::TryStreamExt;
use mongodb::bson::doc;

use super::names::{MAILBOX_MESSAGES, META};
use super::{Store, StoreError, StoreResult};
use crate::model::{now_ms, BlobRef, Flag, Folder, MailboxEntry, Uid};

impl Store {
    fn entries(&self) -> mongodb::Collection<MailboxEntry> {
        self.collection(MAILBOX_MESSAGES)
    }

    /// Files a message into its folder (`entry.folder`) under the next UID
    /// and mod-sequence, which it sets. [`StoreError::Duplicate`] if an entry
    /// with this id exists already (a delivery retried).
    ///
    /// UIDs are unique per folder by index. The next one is one more than the
    /// largest present, and at least the folder's floor (raised before any
    /// expunge), read in that order: a concurrent insert that takes the same
    /// UID makes this one fail on the index and try the next. A UID is then
    /// visible only once every smaller one of the same folder is, so a
    /// client that remembers the largest UID it saw never misses a message.
    pub async fn insert_entry(&self, entry: &mut MailboxEntry) -> StoreResult<()> {
        // Writers in this process take turns per folder: they would only
        // pick the same UID and retry (a mod-sequence write each time).
        // Other processes still meet on the index.
        let _turn = self.filing.turn(&entry.mailbox, &entry.folder).await;
        if entry.header.is_none() {
            entry.header = entry
                .blob
                .inline
                .as_deref()
                .and_then(crate::model::header_block);
        }
        loop {
            // The largest UID present: the last this process filed here
            // (it held the turn until that insert was acknowledged), else
            // read once. Then up past any other process filed since, one
            // indexed look-up each (the store sorts a folder in memory, so
            // asking it for the largest costs a scan).
            let mut candidate = match self.filing.last(&entry.mailbox, &entry.folder) {
                Some(last) => last + 1,
                None => self.largest_uid(&entry.mailbox, &entry.folder).await? + 1,
            };
            while self
                .uid_taken(&entry.mailbox, &entry.folder, candidate)
                .await?
            {
                candidate += 1;
            }
            // The floor is read after: a UID expunged before the look-ups
            // above had the floor raised past it first.
            let folder = self.next_modseq(&entry.mailbox, &entry.folder).await?;
            let next = candidate.max(folder.uid_floor);
            entry.uid = Uid::try_from(next)
                .map_err(|e| StoreError::Other(format!("folder {}: {e}", entry.folder)))?;
            entry.modseq = folder.modseq;
            match self.run(self.entries().insert_one(&*entry)).await {
                Ok(_) => {
                    self.filing.filed(&entry.mailbox, &entry.folder, next);
                    return Ok(());
                }
                Err(StoreError::Duplicate(e)) => {
                    let taken = self.get_entry(&entry.mailbox, &entry.id).await?.is_some();
                    if taken {
                        return Err(StoreError::Duplicate(e));
                    }
                    // Another process took this UID first: take the next.
                    self.filing.filed(&entry.mailbox, &entry.folder, next);
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn largest_uid(&self, mailbox: &str, folder: &str) -> StoreResult<i64> {
        Ok(self
            .run(
                self.entries()
                    .find_one(doc! { "mailbox": mailbox, "folder": folder })
                    .sort(doc! { "uid": -1 })
                    .projection(doc! { "blob.inline": 0 }),
            )
            .await?
            .map_or(0, |e| i64::from(e.uid)))
    }

    async fn uid_taken(&self, mailbox: &str, folder: &str, uid: i64) -> StoreResult<bool> {
        Ok(self
            .run(
                self.raw(MAILBOX_MESSAGES)
                    .find_one(doc! { "mailbox": mailbox, "folder": folder, "uid": uid })
                    .projection(doc! { "_id": 1 }),
            )
            .await?
            .is_some())
    }

    /// Files entries from before folders existed into INBOX, under UIDs in
    /// the order they arrived, keeping whether they were read. Runs once
    /// per store (a marker in `meta` says it ran); several services running
    /// it at once file each entry once.
    pub(super) async fn file_unfiled_entries(&self) -> StoreResult<()> {
        const MARKER: &str = "entries_in_folders";
        let meta = self.raw(META);
        if self
            .run(meta.find_one(doc! { "_id": MARKER }))
            .await?
            .is_some()
        {
            return Ok(());
        }
        let raw = self.raw(MAILBOX_MESSAGES);
        let cursor = self
            .run(
                raw.find(doc! { "folder": { "$exists": false } })
                    .sort(doc! { "mailbox": 1, "received_at": 1, "_id": 1 })
                    .projection(doc! { "mailbox": 1, "seen": 1 }),
            )
            .await?;
        let unfiled: Vec<mongodb::bson::Document> = self.run(cursor.try_collect()).await?;
        for d in unfiled {
            let (Ok(id), Ok(mailbox)) = (d.get_str("_id"), d.get_str("mailbox")) else {
                continue;
            };
            let flags: Vec<&str> = if d.get_i32("seen").unwrap_or(0) == 1 {
                vec![Flag::Seen.as_str()]
            } else {
                vec![]
            };
            let inbox = Folder::inbox_id(mailbox);
            loop {
                let last = self.largest_uid(mailbox, &inbox).await?;
                let folder = self.next_modseq(mailbox, &inbox).await?;
                let uid = (last + 1).max(folder.uid_floor);
                let filed = raw
                    .update_one(
                        doc! { "_id": id, "mailbox": mailbox, "folder": { "$exists": false } },
                        doc! {
                            "$set": { "folder": &inbox, "uid": uid, "modseq": folder.modseq, "flags": &flags },
                            "$unset": { "seen": "" },
                        },
                    );
                match self.run(filed).await {
                    Ok(_) => break,
                    Err(StoreError::Duplicate(_)) => continue,
                    Err(e) => return Err(e),
                }
            }
        }
        match self
            .run(meta.insert_one(doc! { "_id": MARKER, "at": now_ms() }))
            .await
        {
            Ok(_) | Err(StoreError::Duplicate(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A folder's messages by UID, without their inline bytes.
    pub async fn list_folder(&self, mailbox: &str, folder: &str) -> StoreResult<Vec<MailboxEntry>> {
        let cursor = self
            .run(
                self.entries()
                    .find(doc! { "mailbox": mailbox, "folder": folder })
                    .sort(doc! { "uid": 1 })
                    .projection(doc! { "blob.inline": 0 }),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }

    /// A mailbox's messages in every folder, oldest first, without their
    /// inline bytes: read those with [`Store::get_entry`].
    pub async fn list_entries(&self, mailbox: &str) -> StoreResult<Vec<MailboxEntry>> {
        let cursor = self
            .run(
                self.entries()
                    .find(doc! { "mailbox": mailbox })
                    .sort(doc! { "received_at": 1, "_id": 1 })
                    .projection(doc! { "blob.inline": 0 }),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }

    pub async fn get_entry(&self, mailbox: &str, id: &str) -> StoreResult<Option<MailboxEntry>> {
        self.run(
            self.entries()
                .find_one(doc! { "_id": id, "mailbox": mailbox }),
        )
        .await
    }

    /// Several entries of one mailbox with their inline bytes, in one find;
    /// those removed meanwhile are missing from the answer.
    pub async fn get_entries(
        &self,
        mailbox: &str,
        ids: &[String],
    ) -> StoreResult<Vec<MailboxEntry>> {
        let cursor = self
            .run(
                self.entries()
                    .find(doc! { "_id": { "$in": ids }, "mailbox": mailbox }),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }

    /// The header blocks of several entries of one mailbox, delivery
    /// headers first, in one find that leaves the bodies out: by id, `None`
    /// where the entry keeps no header apart.
    pub async fn get_headers(
        &self,
        mailbox: &str,
        ids: &[String],
    ) -> StoreResult<Vec<(String, Option<Vec<u8>>)>> {
        let cursor = self
            .run(
                self.raw(MAILBOX_MESSAGES)
                    .find(doc! { "_id": { "$in": ids }, "mailbox": mailbox })
                    .projection(doc! { "header": 1, "delivery_headers": 1 }),
            )
            .await?;
        let found: Vec<mongodb::bson::Document> = self.run(cursor.try_collect()).await?;
        Ok(found
            .into_iter()
            .filter_map(|d| {
                let id = d.get_str("_id").ok()?.to_string();
                let header = d.get_binary_generic("header").ok().map(|h| {
                    let mut out = d
                        .get_str("delivery_headers")
                        .unwrap_or("")
                        .as_bytes()
                        .to_vec();
                    out.extend_from_slice(h);
                    out
                });
                Some((id, header))
            })
            .collect())
    }

    /// An entry's bytes reference, ready to read: as listed for chunked bytes,
    /// or with its inline bytes fetched (one find) when the listing left them
    /// out. `None` if the entry was removed meanwhile.
    pub async fn readable_blob(&self, entry: &MailboxEntry) -> StoreResult<Option<BlobRef>> {
        let mut found = self.readable_blobs(std::slice::from_ref(entry)).await?;
        Ok(found.pop().map(|(_, blob)| blob))
    }

    /// [`Store::readable_blob`] for several entries of one mailbox, with one
    /// find for all whose bytes the listing left out: a reader going through
    /// a mailbox in order asks for the next few at once. Entries removed
    /// meanwhile are missing from the answer; the rest keep their order.
    pub async fn readable_blobs(
        &self,
        entries: &[MailboxEntry],
    ) -> StoreResult<Vec<(String, BlobRef)>> {
        let missing: Vec<&str> = entries
            .iter()
            .filter(|e| !e.blob.is_loaded())
            .map(|e| e.id.as_str())
            .collect();
        let mut fetched: std::collections::HashMap<String, BlobRef> = if missing.is_empty() {
            Default::default()
        } else {
            let mailbox = &entries[0].mailbox;
            let cursor = self
                .run(
                    self.entries()
                        .find(doc! { "_id": { "$in": &missing }, "mailbox": mailbox }),
                )
                .await?;
            let found: Vec<MailboxEntry> = self.run(cursor.try_collect()).await?;
            found.into_iter().map(|e| (e.id, e.blob)).collect()
        };
        Ok(entries
            .iter()
            .filter_map(|e| {
                let blob = if e.blob.is_loaded() {
                    Some(e.blob.clone())
                } else {
                    fetched.remove(&e.id)
                };
                blob.map(|b| (e.id.clone(), b))
            })
            .collect())
    }

    /// Removes the given entries of one mailbox; returns how many went.
    /// Their folders' UID floors are raised first, so their UIDs are never
    /// handed out again.
    pub async fn delete_entries(&self, mailbox: &str, ids: &[String]) -> StoreResult<u64> {
        let cursor = self
            .run(
                self.raw(MAILBOX_MESSAGES)
                    .find(doc! { "_id": { "$in": ids }, "mailbox": mailbox })
                    .projection(doc! { "folder": 1, "uid": 1 }),
            )
            .await?;
        let found: Vec<mongodb::bson::Document> = self.run(cursor.try_collect()).await?;
        let mut leaving: std::collections::HashMap<String, Vec<i64>> = Default::default();
        for d in &found {
            if let (Ok(folder), Ok(uid)) = (d.get_str("folder"), d.get_i64("uid")) {
                leaving.entry(folder.to_string()).or_default().push(uid);
            }
        }
        for (folder, uids) in &leaving {
            let floor = uids.iter().max().map_or(0, |uid| uid + 1);
            self.raise_uid_floor(folder, floor).await?;
            // Recorded under a mod-sequence of their own before they go, so
            // a session that reads what vanished since its mod-sequence
            // finds them (and QRESYNC's VANISHED can say so).
            let modseq = self.next_modseq(mailbox, folder).await?.modseq;
            self.record_vanished(mailbox, folder, uids, modseq).await?;
        }
        let floors = leaving;
        let res = self
            .run(
                self.entries()
                    .delete_many(doc! { "_id": { "$in": ids }, "mailbox": mailbox }),
            )
            .await?;
        for folder in floors.keys() {
            self.expunged_from(folder).await?;
        }
        Ok(res.deleted_count)
    }

    /// Changes the flags of a folder's messages with the given UIDs, under
    /// one new mod-sequence; returns the entries as they are now.
    pub async fn change_flags(
        &self,
        mailbox: &str,
        folder: &str,
        uids: &[Uid],
        change: FlagChange<'_>,
    ) -> StoreResult<Vec<MailboxEntry>> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let modseq = self.next_modseq(mailbox, folder).await?.modseq;
        let update = match change {
            FlagChange::Add(flags) => {
                doc! { "$addToSet": { "flags": { "$each": flags } }, "$set": { "modseq": modseq } }
            }
            FlagChange::Remove(flags) => {
                doc! { "$pull": { "flags": { "$in": flags } }, "$set": { "modseq": modseq } }
            }
            FlagChange::Replace(flags) => doc! { "$set": { "flags": flags, "modseq": modseq } },
        };
        let uids: Vec<i64> = uids.iter().map(|&u| u.into()).collect();
        let filter = doc! { "mailbox": mailbox, "folder": folder, "uid": { "$in": uids } };
        self.run(self.entries().update_many(filter.clone(), update))
            .await?;
        let cursor = self
            .run(
                self.entries()
                    .find(filter)
                    .sort(doc! { "uid": 1 })
                    .projection(doc! { "blob.inline": 0 }),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }

    /// Files `message` as it is into a folder, not delivered (IMAP APPEND,
    /// webmail's Sent and Drafts): its bytes stored, then an entry under
    /// the folder's next UID, received `received_at` (now if `None`).
    pub async fn file_message(
        &self,
        mailbox: &str,
        folder: &str,
        message: &[u8],
        received_at: Option<i64>,
        flags: Vec<String>,
    ) -> StoreResult<MailboxEntry> {
        let blob = self.put_blob(message).await?;
        let received_at = received_at.unwrap_or_else(now_ms);
        let mut entry = MailboxEntry::appended(mailbox, folder, blob, message, received_at, flags);
        self.insert_entry(&mut entry).await?;
        Ok(entry)
    }

    /// Files a copy of a message (same bytes, same flags) into another
    /// folder under that folder's next UID; the copy, or `None` if the
    /// message is gone. What IMAP COPY and MOVE and webmail's moves do.
    pub async fn copy_entry(
        &self,
        mailbox: &str,
        id: &str,
        folder: &str,
    ) -> StoreResult<Option<MailboxEntry>> {
        let Some(full) = self.get_entry(mailbox, id).await? else {
            return Ok(None);
        };
        let mut copy = MailboxEntry {
            id: crate::model::new_id(),
            folder: folder.to_string(),
            uid: Uid::default(),
            modseq: 0,
            header: None,
            ..full
        };
        self.insert_entry(&mut copy).await?;
        Ok(Some(copy))
    }

    /// Removes every entry of a mailbox; returns how many went.
    pub async fn delete_mailbox_entries(&self, mailbox: &str) -> StoreResult<u64> {
        self.forget_vanished(mailbox, None).await?;
        let res = self
            .run(self.entries().delete_many(doc! { "mailbox": mailbox }))
            .await?;
        Ok(res.deleted_count)
    }
}

/// How STORE (or webmail) changes a message's flags.
#[derive(Debug, Clone, Copy)]
pub enum FlagChange<'a> {
    Add(&'a [String]),
    Remove(&'a [String]),
    Replace(&'a [String]),
}

/// One turn per folder at a time, among this process's writers, and the
/// last UID this process filed into each folder.
#[derive(Clone, Default)]
pub(super) struct Filing {
    folders: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    >,
    last: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>,
}

/// Folders whose last UID is remembered, at most; then forgotten at once
/// (each is read again when next written).
const REMEMBERED: usize = 100_000;

/// Holds a folder's turn; the last holder removes the folder's entry.
pub(super) struct Turn {
    filing: Filing,
    key: String,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Filing {
    fn last(&self, mailbox: &str, folder: &str) -> Option<i64> {
        let last = self.last.lock().expect("filing lock");
        last.get(&format!("{mailbox}\n{folder}")).copied()
    }

    fn filed(&self, mailbox: &str, folder: &str, uid: i64) {
        let mut last = self.last.lock().expect("filing lock");
        if last.len() >= REMEMBERED {
            last.clear();
        }
        let known = last.entry(format!("{mailbox}\n{folder}")).or_insert(uid);
        *known = (*known).max(uid);
    }

    async fn turn(&self, mailbox: &str, folder: &str) -> Turn {
        let key = format!("{mailbox}\n{folder}");
        let lock = {
            let mut map = self.folders.lock().expect("filing lock");
            std::sync::Arc::clone(map.entry(key.clone()).or_default())
        };
        Turn {
            _guard: lock.lock_owned().await,
            filing: self.clone(),
            key,
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut map = self.filing.folders.lock().expect("filing lock");
        // Two references: the map's and this turn's guard's mutex.
        if map
            .get(&self.key)
            .is_some_and(|l| std::sync::Arc::strong_count(l) <= 2)
        {
            map.remove(&self.key);
        }
    }
}
