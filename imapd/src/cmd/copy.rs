//! COPY and MOVE (RFC 9051 6.4.7, RFC 6851), with UIDPLUS's COPYUID.

use mismo_core::model::{Folder, MailboxEntry, Uid};

use super::{no, selection, CommandError, Outcome, OVER_QUOTA};
use crate::connection::Connection;
use crate::sequence::SequenceSet;

impl Connection {
    /// Puts copies of `entries` (as listed) into `target`; their new UIDs.
    pub(crate) async fn copy_entries(
        &mut self,
        mailbox: &str,
        entries: &[MailboxEntry],
        target: &Folder,
    ) -> Result<Vec<Uid>, CommandError> {
        let mut uids = Vec::with_capacity(entries.len());
        for listed in entries {
            if let Some(copy) = self
                .server
                .store
                .copy_entry(mailbox, &listed.id, &target.id)
                .await?
            {
                uids.push(copy.uid);
            }
        }
        Ok(uids)
    }

    pub(crate) async fn copy(
        &mut self,
        tag: &str,
        set: &SequenceSet,
        uid: bool,
        target: &str,
        moving: bool,
    ) -> Outcome {
        let indexes = self.resolve(set, uid)?;
        let mailbox = self.mailbox();
        let target = match self.server.store.get_folder(&mailbox, target).await? {
            Some(f) => f,
            None => return Err(no("[TRYCREATE] No such folder")),
        };
        // COPY only reads the selected folder; MOVE changes it too.
        let Some((_, folder, view)) = selection(&self.session.state, moving)? else {
            return Ok(());
        };
        let source = folder.id.clone();
        let listed = self.server.store.list_folder(&mailbox, &source).await?;
        let wanted: Vec<Uid> = indexes.iter().map(|&i| view.msgs[i].uid).collect();
        let entries: Vec<MailboxEntry> = listed
            .into_iter()
            .filter(|e| wanted.contains(&e.uid))
            .collect();
        // A copy adds to the mailbox; a move within it does not.
        let adding: i64 = entries.iter().map(|e| e.size).sum();
        if !moving && !self.server.store.has_room(&mailbox, adding).await? {
            return Err(no(OVER_QUOTA));
        }
        let new_uids = self.copy_entries(&mailbox, &entries, &target).await?;
        let old: Vec<String> = entries.iter().map(|e| e.uid.to_string()).collect();
        let new: Vec<String> = new_uids.iter().map(Uid::to_string).collect();
        let code = if entries.is_empty() {
            String::new()
        } else {
            format!(
                "[COPYUID {} {} {}] ",
                target.uidvalidity,
                old.join(","),
                new.join(",")
            )
        };
        if !moving {
            if target.id == source {
                self.report_changes(false).await?;
            }
            return self.ok(tag, "", &format!("{code}COPY completed")).await;
        }
        if !code.is_empty() {
            self.send(format!("* OK {code}Moved\r\n").as_bytes())
                .await?;
        }
        let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        self.server.store.delete_entries(&mailbox, &ids).await?;
        self.report_changes(true).await?;
        self.ok(tag, "", "MOVE completed").await
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::testing::Client;

    #[tokio::test]
    async fn copy_keeps_the_source_and_move_empties_it() {
        let mut c = Client::signed_in().await;
        for i in 0..3 {
            c.deliver(&format!("Subject: {i}\r\n\r\n{i}\r\n")).await;
        }
        c.run("a SELECT INBOX").await;
        let reply = c.run("b COPY 1:2 Trash").await;
        assert!(reply.starts_with("b OK [COPYUID "), "{reply}");
        assert!(reply.ends_with(" 1,2 1,2] COPY completed\r\n"), "{reply}");
        assert_eq!(
            c.run("c COPY 1 Nowhere").await,
            "c NO [TRYCREATE] No such folder\r\n"
        );
        let reply = c.run("d UID MOVE 3 Trash").await;
        let lines: Vec<&str> = reply.lines().collect();
        assert!(lines[0].starts_with("* OK [COPYUID "), "{reply}");
        assert!(lines[0].ends_with(" 3 3] Moved"), "{reply}");
        assert_eq!(
            lines[1..],
            ["* 3 EXPUNGE", "* 2 EXISTS", "d OK MOVE completed"]
        );
        let status = c.run("e STATUS Trash (MESSAGES)").await;
        assert!(
            status.starts_with("* STATUS \"Trash\" (MESSAGES 3)"),
            "{status}"
        );
        // A copy into the selected folder itself shows at once.
        let reply = c.run("f COPY 1 INBOX").await;
        assert!(reply.starts_with("* 3 EXISTS\r\nf OK [COPYUID "), "{reply}");
        // Over the quota a copy is refused; a move still goes.
        c.set_quota(1).await;
        assert_eq!(
            c.run("k COPY 1 Trash").await,
            "k NO [OVERQUOTA] Mailbox is full\r\n"
        );
        assert!(c
            .run("l MOVE 1 Trash")
            .await
            .ends_with("l OK MOVE completed\r\n"));
        c.set_quota(0).await;
        c.run("g EXAMINE INBOX").await;
        assert_eq!(
            c.run("h MOVE 1 Trash").await,
            "h NO [READ-ONLY] Folder is read-only\r\n"
        );
    }
}
