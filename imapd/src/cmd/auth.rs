//! Getting in: STARTTLS, LOGIN and AUTHENTICATE PLAIN (with SASL-IR).

use mismo_core::auth::{Login, MAX_FAILURES};
use mismo_core::net::{read_line, Line};
use mismo_core::sasl;

use super::{no, CommandError, Outcome};
use crate::connection::{Connection, MAX_LITERAL};
use crate::session::State;

impl Connection {
    pub(crate) async fn starttls(&mut self, tag: &str) -> Outcome {
        self.send(format!("{tag} OK Begin TLS negotiation now\r\n").as_bytes())
            .await?;
        let Some(acceptor) = self.server.tls.clone() else {
            return Err(CommandError::Io(std::io::Error::other("no TLS")));
        };
        mismo_core::net::upgrade_tls(&mut self.reader, &acceptor).await?;
        self.session.tls = true;
        Ok(())
    }

    /// AUTHENTICATE PLAIN, the response given at once (SASL-IR) or after
    /// an empty challenge.
    pub(crate) async fn authenticate(
        &mut self,
        tag: &str,
        mechanism: &str,
        initial: Option<String>,
    ) -> Outcome {
        if mechanism != "PLAIN" {
            return Err(no("[CANNOT] Unsupported mechanism"));
        }
        let response = match initial {
            Some(i) => i,
            None => {
                self.send(b"+ \r\n").await?;
                let mut line = Vec::new();
                if read_line(&mut self.reader, &mut line, MAX_LITERAL).await? != Line::Ok {
                    return Err(CommandError::Io(std::io::ErrorKind::UnexpectedEof.into()));
                }
                String::from_utf8_lossy(&line).trim_end().to_string()
            }
        };
        match sasl::decode_line(&response).and_then(|b| sasl::plain(&b)) {
            Ok((user, password)) => self.login(tag, &user, &password).await,
            // Answered BAD without counting against the client: it
            // followed the exchange, only its answer was unusable.
            Err(sasl::SaslError::Cancelled) => {
                self.send(format!("{tag} BAD Authentication cancelled\r\n").as_bytes())
                    .await?;
                Ok(())
            }
            Err(sasl::SaslError::Malformed) => {
                self.send(format!("{tag} BAD Malformed authentication data\r\n").as_bytes())
                    .await?;
                Ok(())
            }
        }
    }

    pub(crate) async fn login(&mut self, tag: &str, user: &str, password: &str) -> Outcome {
        let login =
            mismo_core::auth::login(&self.server.store, self.peer.ip(), user, password).await?;
        let mailbox = match login {
            Login::Opened(mailbox) => mailbox,
            Login::Busy => {
                self.send(
                    format!("{tag} NO [UNAVAILABLE] Too many logins in progress; try again\r\n")
                        .as_bytes(),
                )
                .await?;
                return Ok(());
            }
            Login::Refused { failures } if failures < MAX_FAILURES => {
                tracing::info!(peer = %self.peer, user, failures, "login failed");
                self.session.error();
                self.send(
                    format!("{tag} NO [AUTHENTICATIONFAILED] Authentication failed\r\n").as_bytes(),
                )
                .await?;
                return Ok(());
            }
            Login::Refused { .. } | Login::Blocked => {
                tracing::info!(peer = %self.peer, user, "login refused: too many failures");
                self.send(
                    format!("{tag} NO [UNAVAILABLE] Too many failed logins; try again later\r\n")
                        .as_bytes(),
                )
                .await?;
                self.session.state = State::Logout;
                return Ok(());
            }
        };
        self.server
            .store
            .ensure_default_folders(&mailbox.address)
            .await?;
        tracing::info!(peer = %self.peer, mailbox = %mailbox.address, "logged in");
        self.check = Some(self.server.mailboxes.check(&mailbox));
        self.session.state = State::Authenticated {
            mailbox: mailbox.address,
        };
        let caps = self.session.capabilities();
        self.send(format!("{tag} OK [CAPABILITY {caps}] Logged in\r\n").as_bytes())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use crate::cmd::testing::{Client, PASSWORD, ZOE};

    fn plain(user: &str, password: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"))
    }

    #[tokio::test]
    async fn login_opens_the_mailbox_and_a_wrong_password_does_not() {
        let mut c = Client::start().await;
        assert_eq!(
            c.run(&format!("a LOGIN {ZOE} wrong")).await,
            "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n"
        );
        assert!(c.run("b SELECT INBOX").await.starts_with("b BAD "));
        let ok = c.run(&format!("c LOGIN {ZOE} \"{PASSWORD}\"")).await;
        assert!(ok.starts_with("c OK [CAPABILITY IMAP4rev1 "), "{ok}");
        assert!(ok.contains("MOVE"), "{ok}");
        assert!(c.run("d LOGIN x y").await.starts_with("d BAD "));
        // The default folders were made at the first login.
        let list = c.run("e LIST \"\" *").await;
        for f in ["INBOX", "Sent", "Drafts", "Trash", "Junk"] {
            assert!(list.contains(&format!("\"{f}\"\r\n")), "{f}: {list}");
        }
    }

    #[tokio::test]
    async fn authenticate_plain_with_and_without_an_initial_response() {
        let mut c = Client::start().await;
        let ok = c
            .run(&format!("a AUTHENTICATE PLAIN {}", plain(ZOE, PASSWORD)))
            .await;
        assert!(ok.starts_with("a OK [CAPABILITY "), "{ok}");

        let mut c = c.another().await;
        assert_eq!(
            c.run("b AUTHENTICATE CRAM-MD5").await,
            "b NO [CANNOT] Unsupported mechanism\r\n"
        );
        c.send(b"c AUTHENTICATE PLAIN\r\n").await;
        assert_eq!(c.line().await, "+ \r\n");
        c.send(b"*\r\n").await;
        assert_eq!(c.line().await, "c BAD Authentication cancelled\r\n");
        c.send(b"d AUTHENTICATE PLAIN\r\n").await;
        assert_eq!(c.line().await, "+ \r\n");
        c.send(b"not base64!\r\n").await;
        assert_eq!(c.line().await, "d BAD Malformed authentication data\r\n");
        c.send(b"e AUTHENTICATE PLAIN\r\n").await;
        assert_eq!(c.line().await, "+ \r\n");
        c.send(format!("{}\r\n", plain(ZOE, PASSWORD)).as_bytes())
            .await;
        assert!(c.until_tagged("e").await.starts_with("e OK [CAPABILITY "));
    }

    #[tokio::test]
    async fn starttls_is_refused_where_no_certificate_is_configured() {
        let mut c = Client::start().await;
        assert_eq!(
            c.run("a STARTTLS").await,
            "a BAD STARTTLS is not available\r\n"
        );
    }
}
