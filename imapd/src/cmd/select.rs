//! Opening and leaving a folder: SELECT and EXAMINE (with CONDSTORE),
//! CLOSE (which expunges) and UNSELECT (which does not).

use mismo_core::model::Flag;

use super::Outcome;
use crate::connection::Connection;
use crate::session::State;
use crate::view::View;

impl Connection {
    pub(crate) async fn select(
        &mut self,
        tag: &str,
        name: &str,
        read_only: bool,
        condstore: bool,
    ) -> Outcome {
        let mailbox = self.mailbox();
        // A failed SELECT leaves no folder selected (RFC 9051 6.3.2).
        self.session.state = State::Authenticated {
            mailbox: mailbox.clone(),
        };
        self.watching = None;
        let folder = self.folder(&mailbox, name).await?;
        let entries = self.server.store.list_folder(&mailbox, &folder.id).await?;
        if condstore {
            self.session.condstore = true;
        }
        let view = View::new(&entries, folder.modseq);
        self.watching = Some(self.server.folders.watch(&folder.id, folder.modseq));
        let unseen = view.msgs.iter().position(|m| !m.has(Flag::Seen.as_str()));
        let mut out = String::new();
        out.push_str("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n");
        out.push_str(&format!(
            "* OK [PERMANENTFLAGS ({})] Flags permitted\r\n",
            if read_only {
                ""
            } else {
                "\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*"
            }
        ));
        out.push_str(&format!("* {} EXISTS\r\n* 0 RECENT\r\n", view.msgs.len()));
        if let Some(i) = unseen {
            out.push_str(&format!("* OK [UNSEEN {}] First unseen\r\n", i + 1));
        }
        out.push_str(&format!(
            "* OK [UIDVALIDITY {}] UIDs valid\r\n* OK [UIDNEXT {}] Predicted next UID\r\n* OK [HIGHESTMODSEQ {}] Highest\r\n",
            folder.uidvalidity,
            view.uid_next(folder.uid_floor),
            folder.modseq
        ));
        let done = if read_only {
            "[READ-ONLY] EXAMINE completed"
        } else {
            "[READ-WRITE] SELECT completed"
        };
        self.ahead.clear();
        self.session.state = State::Selected {
            mailbox,
            folder,
            view: Box::new(view),
            read_only,
        };
        self.ok(tag, &out, done).await
    }

    /// CLOSE expunges what is marked `\Deleted` (unless the folder was
    /// opened read-only); UNSELECT leaves it.
    pub(crate) async fn close(&mut self, tag: &str, expunge: bool) -> Outcome {
        if expunge {
            if let State::Selected {
                read_only: false,
                view,
                ..
            } = &self.session.state
            {
                let ids: Vec<String> = view
                    .msgs
                    .iter()
                    .filter(|m| m.has(Flag::Deleted.as_str()))
                    .map(|m| m.id.clone())
                    .collect();
                if !ids.is_empty() {
                    let mailbox = self.mailbox();
                    self.server.store.delete_entries(&mailbox, &ids).await?;
                }
            }
        }
        let mailbox = self.mailbox();
        self.session.state = State::Authenticated { mailbox };
        self.watching = None;
        let done = if expunge {
            "CLOSE completed"
        } else {
            "UNSELECT completed"
        };
        self.ok(tag, "", done).await
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::testing::Client;

    #[tokio::test]
    async fn select_reports_the_folder_and_examine_is_read_only() {
        let mut c = Client::signed_in().await;
        c.deliver("Subject: 1\r\n\r\n1\r\n").await;
        c.deliver("Subject: 2\r\n\r\n2\r\n").await;
        c.run("a SELECT INBOX").await;
        c.run("b STORE 1 +FLAGS (\\Seen)").await;
        let select = c.run("c SELECT INBOX").await;
        for line in [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted\r\n",
            "* 2 EXISTS\r\n",
            "* 0 RECENT\r\n",
            "* OK [UNSEEN 2] First unseen\r\n",
            "* OK [UIDNEXT 3] Predicted next UID\r\n",
            "c OK [READ-WRITE] SELECT completed\r\n",
        ] {
            assert!(select.contains(line), "{line}: {select}");
        }
        let examine = c.run("d EXAMINE INBOX").await;
        assert!(examine.contains("* OK [PERMANENTFLAGS ()] Flags permitted\r\n"));
        assert!(examine.ends_with("d OK [READ-ONLY] EXAMINE completed\r\n"));
        assert_eq!(
            c.run("e STORE 1 +FLAGS (\\Deleted)").await,
            "e NO [READ-ONLY] Folder is read-only\r\n"
        );
        // A failed SELECT leaves nothing selected.
        assert_eq!(
            c.run("f SELECT Nowhere").await,
            "f NO [NONEXISTENT] No such folder\r\n"
        );
        assert!(c.run("g FETCH 1 FLAGS").await.starts_with("g BAD "));
    }

    #[tokio::test]
    async fn close_expunges_and_unselect_does_not() {
        let mut c = Client::signed_in().await;
        for i in 0..3 {
            c.deliver(&format!("Subject: {i}\r\n\r\n{i}\r\n")).await;
        }
        c.run("a SELECT INBOX").await;
        c.run("b STORE 1 +FLAGS.SILENT (\\Deleted)").await;
        assert_eq!(c.run("c UNSELECT").await, "c OK UNSELECT completed\r\n");
        assert!(c.run("d SELECT INBOX").await.contains("* 3 EXISTS\r\n"));
        assert_eq!(c.run("e CLOSE").await, "e OK CLOSE completed\r\n");
        assert!(c.run("f SELECT INBOX").await.contains("* 2 EXISTS\r\n"));
        // CLOSE after EXAMINE expunges nothing.
        c.run("g STORE 1 +FLAGS.SILENT (\\Deleted)").await;
        c.run("h EXAMINE INBOX").await;
        c.run("i CLOSE").await;
        assert!(c.run("j SELECT INBOX").await.contains("* 2 EXISTS\r\n"));
    }
}
