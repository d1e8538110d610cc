//! The commands valid in any state, or needing no folder: CAPABILITY,
//! NOOP and CHECK, LOGOUT, ID, NAMESPACE and ENABLE.

use super::Outcome;
use crate::connection::Connection;
use crate::session::State;

impl Connection {
    pub(crate) async fn capability(&mut self, tag: &str) -> Outcome {
        let caps = self.session.capabilities();
        let line = format!("* CAPABILITY {caps}\r\n");
        self.ok(tag, &line, "CAPABILITY completed").await
    }

    /// NOOP and CHECK: report what changed in the selected folder.
    pub(crate) async fn noop(&mut self, tag: &str) -> Outcome {
        self.report_if_changed(true).await?;
        self.ok(tag, "", "NOOP completed").await
    }

    pub(crate) async fn logout(&mut self, tag: &str) -> Outcome {
        self.session.state = State::Logout;
        self.ok(tag, "* BYE Logging out\r\n", "LOGOUT completed")
            .await
    }

    pub(crate) async fn id(&mut self, tag: &str) -> Outcome {
        self.ok(tag, "* ID (\"name\" \"Mismo\")\r\n", "ID completed")
            .await
    }

    pub(crate) async fn namespace(&mut self, tag: &str) -> Outcome {
        self.ok(
            tag,
            "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n",
            "NAMESPACE completed",
        )
        .await
    }

    /// ENABLE (RFC 5161): CONDSTORE is the one extension that needs it.
    pub(crate) async fn enable(&mut self, tag: &str, caps: Vec<String>) -> Outcome {
        let mut line = String::from("* ENABLED");
        for c in caps {
            if c == "CONDSTORE" {
                self.session.condstore = true;
                line.push(' ');
                line.push_str(&c);
            }
        }
        line.push_str("\r\n");
        self.ok(tag, &line, "ENABLE completed").await
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::testing::Client;

    #[tokio::test]
    async fn commands_in_any_state() {
        let mut c = Client::start().await;
        let caps = c.run("a CAPABILITY").await;
        assert!(caps.starts_with("* CAPABILITY IMAP4rev1 "), "{caps}");
        assert!(caps.contains("AUTH=PLAIN"), "{caps}");
        assert!(caps.ends_with("a OK CAPABILITY completed\r\n"), "{caps}");
        assert_eq!(c.run("b NOOP").await, "b OK NOOP completed\r\n");
        assert_eq!(
            c.run("c ID NIL").await,
            "* ID (\"name\" \"Mismo\")\r\nc OK ID completed\r\n"
        );
        c.login().await;
        assert_eq!(
            c.run("d NAMESPACE").await,
            "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\nd OK NAMESPACE completed\r\n"
        );
        assert_eq!(
            c.run("e ENABLE CONDSTORE X-UNKNOWN").await,
            "* ENABLED CONDSTORE\r\ne OK ENABLE completed\r\n"
        );
        assert_eq!(
            c.run("f LOGOUT").await,
            "* BYE Logging out\r\nf OK LOGOUT completed\r\n"
        );
        assert!(c.closed().await);
    }

    #[tokio::test]
    async fn noop_reports_new_mail_in_the_selected_folder() {
        let mut c = Client::signed_in().await;
        c.deliver("Subject: one\r\n\r\n1\r\n").await;
        assert!(c.run("a SELECT INBOX").await.contains("* 1 EXISTS\r\n"));
        c.deliver("Subject: two\r\n\r\n2\r\n").await;
        c.settle().await;
        assert_eq!(
            c.run("b CHECK").await,
            "* 2 EXISTS\r\nb OK NOOP completed\r\n"
        );
        assert_eq!(c.run("c NOOP").await, "c OK NOOP completed\r\n");
    }
}
