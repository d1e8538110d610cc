//! IDLE (RFC 2177): changes to the selected folder are told as they are
//! seen, until the client says DONE or the session has idled too long.

use std::time::Duration;

use mismo_core::net::{read_line, Line};

use super::Outcome;
use crate::connection::{Connection, MAX_LINE};
use crate::session::State;

/// How often an IDLE session looks at the clock (its idle limit) and at
/// its mailbox (a password reset ends it); changes to its folder wake it
/// at once, through the process's folder watch.
const IDLE_TICK: Duration = Duration::from_secs(1);

impl Connection {
    pub(crate) async fn idle(&mut self, tag: &str) -> Outcome {
        self.send(b"+ idling\r\n").await?;
        // Whatever changed before IDLE is told first.
        self.report_if_changed(true).await?;
        let limit = self.server.settings.idle_timeout;
        let started = tokio::time::Instant::now();
        let mut tick = tokio::time::interval(IDLE_TICK);
        let mut watching = self.watching.take();
        let outcome = loop {
            let mut line = Vec::new();
            let changed = async {
                let woken = match watching.as_mut() {
                    Some(w) => w.changed().await.is_ok(),
                    None => false,
                };
                if !woken {
                    // No folder (IDLE in the authenticated state): only the
                    // client or the clock ends the wait.
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                read = read_line(&mut self.reader, &mut line, MAX_LINE) => {
                    let read = match read {
                        Ok(read) => read,
                        Err(e) => break Err(e.into()),
                    };
                    match read {
                        Line::Ok if line.trim_ascii().eq_ignore_ascii_case(b"DONE") => {
                            break self.ok(tag, "", "IDLE terminated").await;
                        }
                        Line::Eof => {
                            self.session.state = State::Logout;
                            break Ok(());
                        }
                        _ => {
                            self.session.error();
                            break self
                                .send(format!("{tag} BAD Expected DONE\r\n").as_bytes())
                                .await
                                .map_err(Into::into);
                        }
                    }
                }
                () = changed => {
                    if let Err(e) = self.report_changes(true).await {
                        break Err(e);
                    }
                }
                _ = tick.tick() => {
                    if started.elapsed() >= limit {
                        self.session.state = State::Logout;
                        break self
                            .send(b"* BYE Autologout; idle for too long\r\n")
                            .await
                            .map_err(Into::into);
                    }
                    match self.still_valid().await {
                        Ok(true) => {}
                        Ok(false) => break Ok(()),
                        Err(e) => break Err(e.into()),
                    }
                }
            }
        };
        self.watching = watching;
        outcome
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
