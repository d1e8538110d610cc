//! STORE (RFC 9051 6.4.6) with CONDSTORE's UNCHANGEDSINCE (RFC 7162
//! 3.1.3): the flags change in the store and the session hears back what
//! each message's flags are now.

use mismo_core::store::FlagChange;

use super::{selection, Outcome};
use crate::command::StoreMode;
use crate::connection::Connection;
use crate::sequence::SequenceSet;
use crate::session::State;

/// What STORE was asked to do.
pub(crate) struct StoreRequest<'a> {
    pub mode: StoreMode,
    pub silent: bool,
    pub flags: &'a [String],
    pub unchanged_since: Option<i64>,
}

impl Connection {
    pub(crate) async fn store_flags(
        &mut self,
        tag: &str,
        set: &SequenceSet,
        uid: bool,
        req: StoreRequest<'_>,
    ) -> Outcome {
        let indexes = self.resolve(set, uid)?;
        let Some((mailbox, folder, view)) = selection(&self.session.state, true)? else {
            return Ok(());
        };
        let unchanged_since = req.unchanged_since;
        if unchanged_since.is_some() {
            self.session.condstore = true;
        }
        let mut modified = Vec::new();
        let mut uids = Vec::new();
        for &i in &indexes {
            let m = &view.msgs[i];
            if unchanged_since.is_some_and(|u| m.modseq > u) {
                modified.push(if uid { m.uid.get() } else { i as u32 + 1 });
            } else {
                uids.push(m.uid);
            }
        }
        let (mailbox, folder_id) = (mailbox.clone(), folder.id.clone());
        let change = match req.mode {
            StoreMode::Add => FlagChange::Add(req.flags),
            StoreMode::Remove => FlagChange::Remove(req.flags),
            StoreMode::Replace => FlagChange::Replace(req.flags),
        };
        let changed = self
            .server
            .store
            .change_flags(&mailbox, &folder_id, &uids, change)
            .await?;
        let condstore = self.session.condstore;
        let State::Selected { view, .. } = &mut self.session.state else {
            return Ok(());
        };
        let mut out = String::new();
        for e in changed {
            let Some(i) = view.msgs.iter().position(|m| m.uid == e.uid) else {
                continue;
            };
            view.msgs[i].flags = e.flags.clone();
            view.msgs[i].modseq = e.modseq;
            // With UNCHANGEDSINCE the new MODSEQ is sent even when silent
            // (RFC 7162 3.1.3).
            if !req.silent || unchanged_since.is_some() {
                let mut parts = Vec::new();
                if !req.silent {
                    parts.push(format!("FLAGS ({})", e.flags.join(" ")));
                }
                if uid {
                    parts.push(format!("UID {}", e.uid));
                }
                if condstore {
                    parts.push(format!("MODSEQ ({})", e.modseq));
                }
                out.push_str(&format!("* {} FETCH ({})\r\n", i + 1, parts.join(" ")));
            }
        }
        let done = if modified.is_empty() {
            "STORE completed".to_string()
        } else {
            let list: Vec<String> = modified.iter().map(u32::to_string).collect();
            format!(
                "[MODIFIED {}] Conditional STORE failed for some",
                list.join(",")
            )
        };
        self.ok(tag, &out, &done).await
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::testing::Client;

    #[tokio::test]
    async fn store_adds_removes_and_replaces() {
        let mut c = Client::signed_in().await;
        c.deliver("Subject: 1\r\n\r\n1\r\n").await;
        c.deliver("Subject: 2\r\n\r\n2\r\n").await;
        c.run("a SELECT INBOX").await;
        assert_eq!(
            c.run("b STORE 1:2 +FLAGS (\\Seen $Work)").await,
            "* 1 FETCH (FLAGS (\\Seen $Work))\r\n* 2 FETCH (FLAGS (\\Seen $Work))\r\nb OK STORE completed\r\n"
        );
        assert_eq!(
            c.run("c UID STORE 2 -FLAGS ($Work)").await,
            "* 2 FETCH (FLAGS (\\Seen) UID 2)\r\nc OK STORE completed\r\n"
        );
        assert_eq!(
            c.run("d STORE 1 FLAGS.SILENT (\\Answered)").await,
            "d OK STORE completed\r\n"
        );
        assert_eq!(
            c.run("e FETCH 1 FLAGS").await,
            "* 1 FETCH (FLAGS (\\Answered))\r\ne OK FETCH completed\r\n"
        );
        assert_eq!(
            c.run("f STORE 3 +FLAGS (\\Seen)").await,
            "f BAD Invalid message number\r\n"
        );
    }

    #[tokio::test]
    async fn unchangedsince_refuses_what_changed_meanwhile() {
        let mut c = Client::signed_in().await;
        c.deliver("Subject: 1\r\n\r\n1\r\n").await;
        c.deliver("Subject: 2\r\n\r\n2\r\n").await;
        let highest = c.select_condstore("a").await;
        c.run("b STORE 2 +FLAGS.SILENT (\\Flagged)").await;
        let reply = c
            .run(&format!(
                "c STORE 1:2 (UNCHANGEDSINCE {highest}) +FLAGS.SILENT (\\Seen)"
            ))
            .await;
        assert!(reply.starts_with("* 1 FETCH (MODSEQ ("), "{reply}");
        assert!(
            reply.ends_with("c OK [MODIFIED 2] Conditional STORE failed for some\r\n"),
            "{reply}"
        );
    }
}
