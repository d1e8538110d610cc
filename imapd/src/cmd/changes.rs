//! Telling a session what changed in its selected folder since it last
//! looked (NOOP, IDLE, and after COPY, MOVE, EXPUNGE and APPEND). Only
//! what changed is read: messages past the session's largest UID, those
//! whose mod-sequence passed its own, and the UIDs that vanished.

use super::Outcome;
use crate::connection::Connection;
use crate::session::State;
use crate::view::{Changes, View};

impl Connection {
    /// Reports what changed if the process's folder watch saw the selected
    /// folder change; asks the store nothing otherwise (NOOP, IDLE).
    pub(crate) async fn report_if_changed(&mut self, expunges: bool) -> Outcome {
        let changed = self
            .watching
            .as_mut()
            .is_some_and(|w| w.has_changed().unwrap_or(false));
        if !changed {
            return Ok(());
        }
        if let Some(w) = self.watching.as_mut() {
            w.mark_unchanged();
        }
        self.report_woken(expunges).await
    }

    /// Reports what changed for a session the folder watch woke.
    pub(crate) async fn report_woken(&mut self, expunges: bool) -> Outcome {
        self.read_changes(expunges, true).await
    }

    /// Reads what changed in the folder and tells the client; `expunges`
    /// is false where a command may not report them (RFC 9051 7.4.1: not
    /// during FETCH, STORE or SEARCH, nor after COPY).
    pub(crate) async fn report_changes(&mut self, expunges: bool) -> Outcome {
        self.read_changes(expunges, false).await
    }

    /// Reads what changed and tells the client: with `shared`, through the
    /// folder watch's read shared by the sessions it woke; otherwise (after
    /// the session's own change, which it must see at once) from the store.
    async fn read_changes(&mut self, expunges: bool, shared: bool) -> Outcome {
        let State::Selected {
            mailbox,
            folder,
            view,
            ..
        } = &self.session.state
        else {
            return Ok(());
        };
        let (uid, since) = (view.largest_uid(), view.changes_since());
        let read = if shared {
            self.server
                .folders
                .changes(mailbox, &folder.id, uid, since)
                .await?
        } else {
            std::sync::Arc::new(
                self.server
                    .store
                    .folder_changes(mailbox, &folder.id, uid, since)
                    .await?,
            )
        };
        let condstore = self.session.condstore;
        let State::Selected { view, .. } = &mut self.session.state else {
            return Ok(());
        };
        let changes = view.apply(&read.changed, &read.vanished, read.modseq, expunges);
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
        c.settle().await;
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

    #[tokio::test]
    async fn idle_sessions_ask_the_store_nothing_while_nothing_changes() {
        use std::time::Duration;
        // Mailbox checks far apart, so what is counted is the folder's.
        let mut c = Client::start_with(Duration::from_secs(60), Duration::from_secs(3600)).await;
        c.login().await;
        for i in 0..20 {
            c.deliver(&format!("Subject: {i}\r\n\r\n{i}\r\n")).await;
        }
        let mut sessions = vec![c.another().await, c.another().await, c.another().await];
        for s in &mut sessions {
            s.login().await;
            s.run("a SELECT INBOX").await;
        }
        c.run("a SELECT INBOX").await;
        c.send(b"b IDLE\r\n").await;
        assert_eq!(c.line().await, "+ idling\r\n");
        c.server.folders.looked().await;

        let operations = c.store.operations();
        let looks = c.server.folders.looks_done();
        for round in 0..5 {
            for s in &mut sessions {
                let tag = format!("n{round}");
                assert_eq!(
                    s.run(&format!("{tag} NOOP")).await,
                    format!("{tag} OK NOOP completed\r\n")
                );
            }
            c.server.folders.looked().await;
        }
        // Each look is one read and its cursor, for every session at once;
        // the NOOPs and the IDLE asked nothing.
        let looked = c.server.folders.looks_done() - looks;
        let asked = c.store.operations() - operations;
        assert!(looked >= 5, "{looked}");
        assert!(asked <= 2 * looked, "{asked} operations in {looked} looks");

        // A change made by another process (its own connection to the
        // store) wakes the IDLE, and only then are the changes read.
        let elsewhere = c.another_process_store().await;
        let filed = mismo_testkit::deliver(
            &elsewhere,
            crate::cmd::testing::ZOE,
            b"Subject: new\r\n\r\nx\r\n",
        )
        .await;
        assert_eq!(c.line().await, "* 21 EXISTS\r\n");
        elsewhere
            .change_flags(
                crate::cmd::testing::ZOE,
                &filed.folder,
                &[filed.uid],
                mismo_core::store::FlagChange::Add(&["\\Flagged".to_string()]),
            )
            .await
            .unwrap();
        assert_eq!(c.line().await, "* 21 FETCH (UID 21 FLAGS (\\Flagged))\r\n");
        elsewhere
            .delete_entries(crate::cmd::testing::ZOE, std::slice::from_ref(&filed.id))
            .await
            .unwrap();
        assert_eq!(c.line().await, "* 21 EXPUNGE\r\n");
        assert_eq!(c.line().await, "* 20 EXISTS\r\n");
        c.send(b"DONE\r\n").await;
        assert_eq!(c.line().await, "b OK IDLE terminated\r\n");
    }
}
