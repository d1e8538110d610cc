//! STATUS (RFC 9051 6.3.11, with CONDSTORE's HIGHESTMODSEQ and STATUS=SIZE).

use super::Outcome;
use crate::command::StatusItem;
use crate::connection::Connection;
use crate::view::View;

impl Connection {
    pub(crate) async fn status(
        &mut self,
        tag: &str,
        name: &str,
        items: Vec<StatusItem>,
    ) -> Outcome {
        let mailbox = self.mailbox();
        let folder = self.folder(&mailbox, name).await?;
        let entries = self.server.store.list_folder(&mailbox, &folder.id).await?;
        let view = View::new(&entries, folder.modseq);
        let mut parts = Vec::new();
        for item in items {
            parts.push(match item {
                StatusItem::Messages => format!("MESSAGES {}", entries.len()),
                StatusItem::Recent => "RECENT 0".into(),
                StatusItem::UidNext => format!("UIDNEXT {}", view.uid_next(folder.uid_floor)),
                StatusItem::UidValidity => format!("UIDVALIDITY {}", folder.uidvalidity),
                StatusItem::Unseen => {
                    format!("UNSEEN {}", entries.iter().filter(|e| !e.is_seen()).count())
                }
                StatusItem::HighestModSeq => format!("HIGHESTMODSEQ {}", folder.modseq),
                StatusItem::Size => {
                    format!("SIZE {}", entries.iter().map(|e| e.size).sum::<i64>())
                }
            });
        }
        let line = format!(
            "* STATUS {} ({})\r\n",
            crate::fetch_data::string(&crate::utf7::encode(&folder.name)),
            parts.join(" ")
        );
        self.ok(tag, &line, "STATUS completed").await
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::testing::Client;

    #[tokio::test]
    async fn status_counts_a_folder_without_selecting_it() {
        let mut c = Client::signed_in().await;
        let first = c.deliver("Subject: a\r\n\r\nhello\r\n").await;
        let second = c.deliver("Subject: b\r\n\r\nhello again\r\n").await;
        c.run("a SELECT INBOX").await;
        c.run("b STORE 1 +FLAGS (\\Seen)").await;
        let status = c
            .run("c STATUS INBOX (MESSAGES RECENT UIDNEXT UNSEEN SIZE)")
            .await;
        let size = first.size + second.size;
        assert_eq!(
            status,
            format!(
                "* STATUS \"INBOX\" (MESSAGES 2 RECENT 0 UIDNEXT 3 UNSEEN 1 SIZE {size})\r\nc OK STATUS completed\r\n"
            )
        );
        let status = c
            .run("d STATUS Trash (MESSAGES UIDVALIDITY HIGHESTMODSEQ)")
            .await;
        assert!(
            status.starts_with("* STATUS \"Trash\" (MESSAGES 0 UIDVALIDITY "),
            "{status}"
        );
        assert_eq!(
            c.run("e STATUS Nowhere (MESSAGES)").await,
            "e NO [NONEXISTENT] No such folder\r\n"
        );
    }
}
