//! SEARCH (RFC 9051 6.4.4) with CONDSTORE's MODSEQ key: flags, UIDs and
//! dates from the session's view; headers from the header blocks read
//! ahead; bodies only where a key needs them.

use std::sync::Arc;

use mail_parser::MessageParser;

use super::Outcome;
use crate::command::SearchKey;
use crate::connection::Connection;
use crate::search::{self, Candidate, Texts};
use crate::session::State;

impl Connection {
    pub(crate) async fn search(&mut self, tag: &str, uid: bool, key: &SearchKey) -> Outcome {
        let State::Selected { view, .. } = &self.session.state else {
            return Ok(());
        };
        let msgs = view.msgs.clone();
        let shared = Arc::new(key.clone());
        let needs = search::needs_content(key);
        let needs_body = search::needs_body(key);
        let count = u32::try_from(msgs.len()).unwrap_or(u32::MAX);
        let largest_uid = msgs.last().map_or(0, |m| m.uid.get());
        let mut found = Vec::new();
        let mut highest = 0;
        for (i, m) in msgs.iter().enumerate() {
            let bytes = if needs_body {
                self.message_bytes(i).await?
            } else if needs {
                self.header_at(i).await?
            } else {
                None
            };
            if bytes
                .as_deref()
                .is_some_and(|b| !needs_body && search::ruled_out(key, b))
            {
                continue;
            }
            let seq = i as u32 + 1;
            let matched = match bytes {
                // Bodies are decoded and searched on a blocking thread: a
                // large message must not hold up the sessions that share
                // this one's worker.
                Some(bytes) if needs_body => {
                    let (key, m) = (Arc::clone(&shared), m.clone());
                    tokio::task::spawn_blocking(move || {
                        let parsed = MessageParser::default().parse(&bytes);
                        let c = Candidate {
                            seq,
                            count,
                            largest_uid,
                            msg: &m,
                            content: parsed.as_ref(),
                            texts: Texts::default(),
                        };
                        search::matches(&key, &c)
                    })
                    .await
                    .unwrap_or(false)
                }
                bytes => {
                    let parsed = bytes
                        .as_deref()
                        .and_then(|b| MessageParser::default().parse(b));
                    let c = Candidate {
                        seq,
                        count,
                        largest_uid,
                        msg: m,
                        content: parsed.as_ref(),
                        texts: Texts::default(),
                    };
                    search::matches(key, &c)
                }
            };
            if matched {
                found.push(if uid { m.uid.get() } else { i as u32 + 1 });
                highest = highest.max(m.modseq);
            }
        }
        let mut line = String::from("* SEARCH");
        for n in &found {
            line.push(' ');
            line.push_str(&n.to_string());
        }
        if uses_modseq(key) && !found.is_empty() {
            line.push_str(&format!(" (MODSEQ {highest})"));
        }
        line.push_str("\r\n");
        let done = if uid {
            "UID SEARCH completed"
        } else {
            "SEARCH completed"
        };
        self.ok(tag, &line, done).await
    }
}

/// Whether a key asks for MODSEQ, so the reply names the highest found.
fn uses_modseq(key: &SearchKey) -> bool {
    use SearchKey as K;
    match key {
        K::ModSeq(_) => true,
        K::And(keys) => keys.iter().any(uses_modseq),
        K::Or(a, b) => uses_modseq(a) || uses_modseq(b),
        K::Not(k) => uses_modseq(k),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::testing::Client;

    #[tokio::test]
    async fn search_by_flags_headers_bodies_and_modseq() {
        let mut c = Client::signed_in().await;
        c.deliver("From: bob@example.net\r\nSubject: Lunch\r\n\r\nSee you at noon.\r\n")
            .await;
        c.deliver("From: ann@example.net\r\nSubject: Report\r\n\r\nThe figures.\r\n")
            .await;
        c.deliver("From: bob@example.net\r\nSubject: Dinner\r\n\r\nAt eight.\r\n")
            .await;
        c.run("a SELECT INBOX").await;
        c.run("b STORE 2 +FLAGS.SILENT (\\Seen)").await;
        assert_eq!(
            c.run("c SEARCH UNSEEN").await,
            "* SEARCH 1 3\r\nc OK SEARCH completed\r\n"
        );
        assert_eq!(
            c.run("d UID SEARCH FROM bob SUBJECT dinner").await,
            "* SEARCH 3\r\nd OK UID SEARCH completed\r\n"
        );
        assert_eq!(
            c.run("e SEARCH BODY figures").await,
            "* SEARCH 2\r\ne OK SEARCH completed\r\n"
        );
        assert_eq!(
            c.run("f SEARCH OR TEXT noon 3").await,
            "* SEARCH 1 3\r\nf OK SEARCH completed\r\n"
        );
        assert_eq!(
            c.run("g SEARCH NOT BODY zzz SMALLER 1").await,
            "* SEARCH\r\ng OK SEARCH completed\r\n"
        );
        // Too many keys that read text: refused before any is read.
        let many = vec!["NOT BODY zzz"; 40].join(" ");
        let reply = c.run(&format!("i SEARCH {many}")).await;
        assert!(reply.starts_with("i BAD [LIMIT] "), "{reply}");
        let reply = c.run("h SEARCH MODSEQ 1 SEEN").await;
        assert!(reply.starts_with("* SEARCH 2 (MODSEQ "), "{reply}");
    }
}
