//! Folders: created with the mailbox, or by IMAP and webmail; the UID floor
//! and mod-sequence counter each keeps.

use futures_util::TryStreamExt;
use mongodb::bson::doc;
use mongodb::options::ReturnDocument;

use super::names::{FOLDERS, MAILBOXES, MAILBOX_MESSAGES};
use super::{Store, StoreError, StoreResult};
use crate::model::{new_id, now_ms, Folder, DEFAULT_FOLDERS, SEPARATOR};

/// The most folders one mailbox may have: every folder list (IMAP LIST,
/// webmail's side bar) reads them all.
pub const MAX_FOLDERS: u64 = 1000;

impl Store {
    fn folders(&self) -> mongodb::Collection<Folder> {
        self.collection(FOLDERS)
    }

    /// Creates whichever default folders (INBOX, Sent, Drafts, Trash, Junk)
    /// the mailbox lacks. Safe to run at once from several places.
    pub async fn ensure_default_folders(&self, mailbox: &str) -> StoreResult<()> {
        let existing = self.list_folders(mailbox).await?;
        for (name, special_use) in DEFAULT_FOLDERS {
            if existing.iter().any(|f| f.name == name) {
                continue;
            }
            let folder = self
                .new_folder(mailbox, name, special_use.map(str::to_string))
                .await?;
            match self.run(self.folders().insert_one(&folder)).await {
                Ok(_) | Err(StoreError::Duplicate(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// A mailbox's folders, by name.
    pub async fn list_folders(&self, mailbox: &str) -> StoreResult<Vec<Folder>> {
        let cursor = self
            .run(
                self.folders()
                    .find(doc! { "mailbox": mailbox })
                    .sort(doc! { "name": 1 }),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }

    pub async fn get_folder(&self, mailbox: &str, name: &str) -> StoreResult<Option<Folder>> {
        self.run(
            self.folders()
                .find_one(doc! { "mailbox": mailbox, "name": Folder::normalise(name) }),
        )
        .await
    }

    /// A new folder; [`StoreError::Duplicate`] if the name is taken.
    /// [`StoreError::Limit`] once the mailbox has [`MAX_FOLDERS`].
    pub async fn create_folder(&self, mailbox: &str, name: &str) -> StoreResult<Folder> {
        let held = self
            .run(self.folders().count_documents(doc! { "mailbox": mailbox }))
            .await?;
        if held >= MAX_FOLDERS {
            return Err(StoreError::Limit(format!(
                "a mailbox holds at most {MAX_FOLDERS} folders"
            )));
        }
        let folder = self.new_folder(mailbox, name, None).await?;
        self.run(self.folders().insert_one(&folder)).await?;
        Ok(folder)
    }

    async fn new_folder(
        &self,
        mailbox: &str,
        name: &str,
        special_use: Option<String>,
    ) -> StoreResult<Folder> {
        let name = Folder::normalise(name);
        let id = if Folder::is_inbox(&name) {
            Folder::inbox_id(mailbox)
        } else {
            new_id()
        };
        Ok(Folder {
            id,
            mailbox: mailbox.to_string(),
            uidvalidity: self.next_uidvalidity(mailbox).await?,
            name,
            uid_floor: 1,
            modseq: 1,
            special_use,
            subscribed: true,
            created_at: now_ms(),
        })
    }

    /// A UIDVALIDITY never given before in this mailbox: the time in
    /// seconds, or one more than the last if that is not larger (a folder
    /// deleted and created again within a second). Kept in the mailbox
    /// document, changed only if nobody changed it meanwhile.
    async fn next_uidvalidity(&self, mailbox: &str) -> StoreResult<i64> {
        let mailboxes = self.raw(MAILBOXES);
        for _ in 0..16 {
            let last = self
                .run(mailboxes.find_one(doc! { "_id": mailbox }))
                .await?
                .and_then(|d| d.get_i64("last_uidvalidity").ok());
            let now = now_ms() / 1000;
            let next = now.max(last.unwrap_or(0) + 1);
            let filter = match last {
                Some(l) => doc! { "_id": mailbox, "last_uidvalidity": l },
                None => doc! { "_id": mailbox, "last_uidvalidity": { "$exists": false } },
            };
            let res = self
                .run(mailboxes.update_one(filter, doc! { "$set": { "last_uidvalidity": next } }))
                .await?;
            if res.matched_count == 1 {
                return Ok(next);
            }
            if last.is_none()
                && self
                    .run(mailboxes.find_one(doc! { "_id": mailbox }))
                    .await?
                    .is_none()
            {
                // No such mailbox (a store test, or one just removed).
                return Ok(now);
            }
        }
        Err(StoreError::Other("UIDVALIDITY: too much contention".into()))
    }

    /// Renames a folder and those below it. [`StoreError::Duplicate`] if the
    /// new name is taken; `false` if there is no such folder.
    pub async fn rename_folder(&self, mailbox: &str, from: &str, to: &str) -> StoreResult<bool> {
        let from = Folder::normalise(from);
        let to = Folder::normalise(to);
        let res = self
            .run(self.folders().update_one(
                doc! { "mailbox": mailbox, "name": &from },
                doc! { "$set": { "name": &to } },
            ))
            .await?;
        if res.matched_count == 0 {
            return Ok(false);
        }
        let prefix = format!("{from}{SEPARATOR}");
        for child in self.list_folders(mailbox).await? {
            if let Some(rest) = child.name.strip_prefix(&prefix) {
                let new = format!("{to}{SEPARATOR}{rest}");
                self.run(
                    self.folders()
                        .update_one(doc! { "_id": &child.id }, doc! { "$set": { "name": new } }),
                )
                .await?;
            }
        }
        Ok(true)
    }

    /// Deletes a folder and its messages; `false` if there is no such folder.
    pub async fn delete_folder(&self, mailbox: &str, folder: &Folder) -> StoreResult<bool> {
        // Messages first: a failure in between leaves an empty folder, never
        // messages without one.
        self.run(
            self.raw(MAILBOX_MESSAGES)
                .delete_many(doc! { "mailbox": mailbox, "folder": &folder.id }),
        )
        .await?;
        self.forget_vanished(mailbox, Some(&folder.id)).await?;
        let res = self
            .run(
                self.folders()
                    .delete_one(doc! { "_id": &folder.id, "mailbox": mailbox }),
            )
            .await?;
        Ok(res.deleted_count == 1)
    }

    pub async fn set_subscribed(
        &self,
        mailbox: &str,
        name: &str,
        subscribed: bool,
    ) -> StoreResult<bool> {
        let res = self
            .run(self.folders().update_one(
                doc! { "mailbox": mailbox, "name": Folder::normalise(name) },
                doc! { "$set": { "subscribed": i32::from(subscribed) } },
            ))
            .await?;
        Ok(res.matched_count == 1)
    }

    /// Hands out the folder's next mod-sequence; the folder as it is then
    /// (its UID floor included). INBOX is created if it is missing (a
    /// mailbox from before folders existed); another missing folder is
    /// [`StoreError::Other`].
    pub async fn next_modseq(&self, mailbox: &str, folder_id: &str) -> StoreResult<Folder> {
        let folders = self.folders();
        let bump = || {
            self.run(
                folders
                    .find_one_and_update(
                        doc! { "_id": folder_id, "mailbox": mailbox },
                        doc! { "$inc": { "modseq": 1_i64 } },
                    )
                    .return_document(ReturnDocument::After),
            )
        };
        if let Some(folder) = bump().await? {
            return Ok(folder);
        }
        if folder_id == Folder::inbox_id(mailbox) {
            self.ensure_default_folders(mailbox).await?;
            if let Some(folder) = bump().await? {
                return Ok(folder);
            }
        }
        Err(StoreError::Other(format!("no folder {folder_id}")))
    }

    /// Raises the folder's UID floor to `floor`: done before messages are
    /// expunged, so their UIDs are never handed out again.
    pub(super) async fn raise_uid_floor(&self, folder_id: &str, floor: i64) -> StoreResult<()> {
        self.run(self.folders().update_one(
            doc! { "_id": folder_id },
            doc! { "$max": { "uid_floor": floor } },
        ))
        .await?;
        Ok(())
    }

    /// Takes a new mod-sequence for the folder after messages left it, so
    /// whoever keeps something computed from its messages under its
    /// mod-sequence (webmail's counts) sees that it changed (RFC 7162 also
    /// has HIGHESTMODSEQ grow on expunge).
    pub(super) async fn expunged_from(&self, folder_id: &str) -> StoreResult<()> {
        self.run(self.folders().update_one(
            doc! { "_id": folder_id },
            doc! { "$inc": { "modseq": 1_i64 } },
        ))
        .await?;
        Ok(())
    }

    /// Removes every folder of a mailbox (with the mailbox itself).
    pub async fn delete_mailbox_folders(&self, mailbox: &str) -> StoreResult<u64> {
        let res = self
            .run(self.folders().delete_many(doc! { "mailbox": mailbox }))
            .await?;
        Ok(res.deleted_count)
    }
}
