//! IDLE (RFC 2177): changes to the selected folder are told as they are
//! seen, until the client says DONE or the session has idled too long.

use std::time::Duration;

use mismo_core::net::{read_line, Line};

use super::Outcome;
use crate::connection::{Connection, MAX_LINE};
use crate::session::State;

/// How often an IDLE session looks for changes: within a second, whatever
/// made them.
const IDLE_POLL: Duration = Duration::from_secs(1);

impl Connection {
    pub(crate) async fn idle(&mut self, tag: &str) -> Outcome {
        self.send(b"+ idling\r\n").await?;
        let limit = self.server.settings.idle_timeout;
        let started = tokio::time::Instant::now();
        let mut tick = tokio::time::interval(IDLE_POLL);
        loop {
            let mut line = Vec::new();
            tokio::select! {
                read = read_line(&mut self.reader, &mut line, MAX_LINE) => {
                    match read? {
                        Line::Ok if line.trim_ascii().eq_ignore_ascii_case(b"DONE") => {
                            return self.ok(tag, "", "IDLE terminated").await;
                        }
                        Line::Eof => {
                            self.session.state = State::Logout;
                            return Ok(());
                        }
                        _ => {
                            self.session.error();
                            self.send(format!("{tag} BAD Expected DONE\r\n").as_bytes()).await?;
                            return Ok(());
                        }
                    }
                }
                _ = tick.tick() => {
                    if started.elapsed() >= limit {
                        self.send(b"* BYE Autologout; idle for too long\r\n").await?;
                        self.session.state = State::Logout;
                        return Ok(());
                    }
                    if !self.still_valid().await? {
                        return Ok(());
                    }
                    self.report_changes(true).await?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::testing::Client;

    #[tokio::test]
    async fn idle_tells_of_new_mail_until_done() {
        let mut c = Client::signed_in().await;
        c.run("a SELECT INBOX").await;
        c.send(b"b IDLE\r\n").await;
        assert_eq!(c.line().await, "+ idling\r\n");
        c.deliver("Subject: new\r\n\r\nx\r\n").await;
        assert_eq!(c.line().await, "* 1 EXISTS\r\n");
        c.send(b"DONE\r\n").await;
        assert_eq!(c.line().await, "b OK IDLE terminated\r\n");
        c.send(b"c IDLE\r\n").await;
        assert_eq!(c.line().await, "+ idling\r\n");
        c.send(b"NOT DONE\r\n").await;
        assert_eq!(c.line().await, "c BAD Expected DONE\r\n");
    }
}
