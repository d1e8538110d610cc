//! EXPUNGE, and UIDPLUS's UID EXPUNGE (RFC 4315 2.1) that removes only
//! the named messages among those marked `\Deleted`.

use mismo_core::model::Flag;

use super::{selection, Outcome};
use crate::connection::Connection;
use crate::sequence::SequenceSet;

impl Connection {
    pub(crate) async fn expunge(&mut self, tag: &str, uids: Option<&SequenceSet>) -> Outcome {
        let Some((mailbox, _, view)) = selection(&self.session.state, true)? else {
            return Ok(());
        };
        let largest = view.msgs.last().map_or(0, |m| m.uid.get());
        let ids: Vec<String> = view
            .msgs
            .iter()
            .filter(|m| m.has(Flag::Deleted.as_str()))
            .filter(|m| uids.is_none_or(|s| s.contains(m.uid.get(), largest)))
            .map(|m| m.id.clone())
            .collect();
        let mailbox = mailbox.clone();
        if !ids.is_empty() {
            self.server.store.delete_entries(&mailbox, &ids).await?;
        }
        self.report_changes(true).await?;
        self.ok(tag, "", "EXPUNGE completed").await
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::testing::Client;

    #[tokio::test]
    async fn expunge_removes_what_is_deleted_and_uid_expunge_only_the_named() {
        let mut c = Client::signed_in().await;
        for i in 0..4 {
            c.deliver(&format!("Subject: {i}\r\n\r\n{i}\r\n")).await;
        }
        c.run("a SELECT INBOX").await;
        c.run("b STORE 1:3 +FLAGS.SILENT (\\Deleted)").await;
        assert_eq!(
            c.run("c UID EXPUNGE 2").await,
            "* 2 EXPUNGE\r\n* 3 EXISTS\r\nc OK EXPUNGE completed\r\n"
        );
        assert_eq!(
            c.run("d EXPUNGE").await,
            "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n* 1 EXISTS\r\nd OK EXPUNGE completed\r\n"
        );
        assert_eq!(
            c.run("e FETCH 1:* UID").await,
            "* 1 FETCH (UID 4)\r\ne OK FETCH completed\r\n"
        );
        c.run("f EXAMINE INBOX").await;
        assert_eq!(
            c.run("g EXPUNGE").await,
            "g NO [READ-ONLY] Folder is read-only\r\n"
        );
    }
}
