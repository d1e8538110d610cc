//! IDLE (RFC 2177): changes to the selected folder are told as they are
//! seen, until the client says DONE or the session has idled too long.

use mismo_core::net::{read_line, Line};

use super::Outcome;
use crate::connection::{Connection, MAX_LINE};
use crate::session::State;

impl Connection {
    /// Waits for DONE, telling the client of changes to its folder as the
    /// process's folder watch wakes it. Nothing runs for the session in
    /// between: it wakes for the client, its folder, a change to some
    /// mailbox of the process (then it checks its own), or its idle limit.
    pub(crate) async fn idle(&mut self, tag: &str) -> Outcome {
        self.send(b"+ idling\r\n").await?;
        // Whatever changed before IDLE is told first.
        self.report_if_changed(true).await?;
        let deadline = tokio::time::Instant::now() + self.server.settings.idle_timeout;
        let mut watching = self.watching.take();
        let mut mailboxes = self.check.as_ref().map(|c| c.changes());
        let outcome = loop {
            let mut line = Vec::new();
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
                () = woken(watching.as_mut()) => {
                    if let Err(e) = self.report_woken(true).await {
                        break Err(e);
                    }
                }
                () = woken(mailboxes.as_mut()) => {
                    match self.still_valid().await {
                        Ok(true) => {}
                        Ok(false) => break Ok(()),
                        Err(e) => break Err(e.into()),
                    }
                }
                () = tokio::time::sleep_until(deadline) => {
                    self.session.state = State::Logout;
                    break self
                        .send(b"* BYE Autologout; idle for too long\r\n")
                        .await
                        .map_err(Into::into);
                }
            }
        };
        self.watching = watching;
        outcome
    }
}

/// Returns when `changes` changes; never without it (IDLE with no folder
/// selected, or not logged in), or once its sender is gone.
async fn woken<T>(changes: Option<&mut tokio::sync::watch::Receiver<T>>) {
    if let Some(changes) = changes {
        if changes.changed().await.is_ok() {
            return;
        }
    }
    std::future::pending::<()>().await;
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
