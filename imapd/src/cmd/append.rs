//! APPEND (RFC 9051 6.3.12) with UIDPLUS's APPENDUID: the message filed
//! the way every other path files one.

use super::{no, Outcome, OVER_QUOTA};
use crate::connection::Connection;
use crate::date::parse_date_time;
use crate::session::State;

impl Connection {
    pub(crate) async fn append(
        &mut self,
        tag: &str,
        name: &str,
        flags: Vec<String>,
        date: Option<&str>,
        message: Vec<u8>,
    ) -> Outcome {
        let mailbox = self.mailbox();
        let Some(folder) = self.server.store.get_folder(&mailbox, name).await? else {
            return Err(no("[TRYCREATE] No such folder"));
        };
        if message.is_empty() {
            return Err(no("Empty message"));
        }
        if !self
            .server
            .store
            .has_room(&mailbox, message.len() as i64)
            .await?
        {
            return Err(no(OVER_QUOTA));
        }
        let received_at = match date {
            Some(d) => Some(parse_date_time(d).ok_or_else(|| no("Invalid date-time"))?),
            None => None,
        };
        let entry = self
            .server
            .store
            .file_message(&mailbox, &folder.id, &message, received_at, flags)
            .await?;
        let selected =
            matches!(&self.session.state, State::Selected { folder: f, .. } if f.id == folder.id);
        if selected {
            self.report_changes(false).await?;
        }
        let done = format!(
            "[APPENDUID {} {}] APPEND completed",
            folder.uidvalidity, entry.uid
        );
        self.ok(tag, "", &done).await
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::testing::Client;

    #[tokio::test]
    async fn append_files_the_message_with_its_flags_and_date() {
        let mut c = Client::signed_in().await;
        let raw = "Subject: draft\r\n\r\nunfinished\r\n";
        c.send(
            format!(
                "a APPEND Drafts (\\Draft) \"01-Feb-2026 10:00:00 +0100\" {{{}}}\r\n",
                raw.len()
            )
            .as_bytes(),
        )
        .await;
        assert!(c.line().await.starts_with("+ "));
        c.send(format!("{raw}\r\n").as_bytes()).await;
        let reply = c.until_tagged("a").await;
        assert!(reply.starts_with("a OK [APPENDUID "), "{reply}");
        assert!(reply.ends_with(" 1] APPEND completed\r\n"), "{reply}");
        c.run("b SELECT Drafts").await;
        assert_eq!(
            c.run("c FETCH 1 (FLAGS INTERNALDATE BODY.PEEK[])").await,
            format!(
                "* 1 FETCH (FLAGS (\\Draft) INTERNALDATE \"01-Feb-2026 09:00:00 +0000\" BODY[] {{{}}}\r\n{raw})\r\nc OK FETCH completed\r\n",
                raw.len()
            )
        );
        // Into the selected folder: the session hears of it at once.
        let reply = c.append("d", "Drafts", raw).await;
        assert!(
            reply.starts_with("* 2 EXISTS\r\nd OK [APPENDUID "),
            "{reply}"
        );
        assert_eq!(
            c.append("e", "Nowhere", raw).await,
            "e NO [TRYCREATE] No such folder\r\n"
        );
        c.send(b"f APPEND INBOX \"32-Feb-2026 10:00:00 +0000\" {1}\r\n")
            .await;
        assert!(c.line().await.starts_with("+ "));
        c.send(b"x\r\n").await;
        assert_eq!(c.line().await, "f NO Invalid date-time\r\n");
    }
}
