//! Telling a session what changed in its selected folder since it last
//! looked (NOOP, IDLE, and after COPY, MOVE, EXPUNGE and APPEND).

use super::Outcome;
use crate::connection::Connection;
use crate::session::State;
use crate::view::{Changes, View};

impl Connection {
    /// Reads the folder again and tells the client what changed;
    /// `expunges` is false where a command may not report them (RFC 9051
    /// 7.4.1: not during FETCH, STORE or SEARCH, nor after COPY).
    pub(crate) async fn report_changes(&mut self, expunges: bool) -> Outcome {
        let State::Selected {
            mailbox, folder, ..
        } = &self.session.state
        else {
            return Ok(());
        };
        let entries = self.server.store.list_folder(mailbox, &folder.id).await?;
        let condstore = self.session.condstore;
        let State::Selected { view, .. } = &mut self.session.state else {
            return Ok(());
        };
        let changes = view.refresh(&entries, expunges);
        let text = changes_text(&changes, view, condstore);
        if !text.is_empty() {
            self.send(text.as_bytes()).await?;
        }
        Ok(())
    }
}

/// Untagged responses for what changed.
fn changes_text(changes: &Changes, view: &View, condstore: bool) -> String {
    let mut out = String::new();
    for n in &changes.expunged {
        out.push_str(&format!("* {n} EXPUNGE\r\n"));
    }
    if let Some(n) = changes.exists {
        out.push_str(&format!("* {n} EXISTS\r\n"));
    }
    for &i in &changes.flags {
        let m = &view.msgs[i];
        let modseq = if condstore {
            format!(" MODSEQ ({})", m.modseq)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "* {} FETCH (UID {} FLAGS ({}){modseq})\r\n",
            i + 1,
            m.uid,
            m.flags.join(" ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::cmd::testing::Client;

    #[tokio::test]
    async fn changes_made_by_another_session_are_reported() {
        let mut c = Client::signed_in().await;
        for i in 0..3 {
            c.deliver(&format!("Subject: {i}\r\n\r\n{i}\r\n")).await;
        }
        c.run("a ENABLE CONDSTORE").await;
        c.run("b SELECT INBOX").await;
        let mut other = c.another().await;
        other.login().await;
        other.run("c SELECT INBOX").await;
        other.run("d STORE 2 +FLAGS.SILENT (\\Flagged)").await;
        other.run("e STORE 1 +FLAGS.SILENT (\\Deleted)").await;
        other.run("f EXPUNGE").await;
        c.deliver("Subject: 3\r\n\r\n3\r\n").await;
        let noop = c.run("g NOOP").await;
        let lines: Vec<&str> = noop.lines().collect();
        assert_eq!(lines[0], "* 1 EXPUNGE");
        assert_eq!(lines[1], "* 3 EXISTS");
        assert!(
            lines[2].starts_with("* 1 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ ("),
            "{noop}"
        );
        assert_eq!(lines[3], "g OK NOOP completed");
    }
}
