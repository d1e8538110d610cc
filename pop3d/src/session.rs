//! The POP3 session (RFC 1939, CAPA RFC 2449, STLS RFC 2595, AUTH RFC 5034,
//! response codes RFC 3206) as a plain state machine; I/O is in connection.rs.

use mismo_core::sasl::{self, SaslError};
use mismo_core::server::ErrorBudget;

use crate::command::{Command, Malformed, Verb};

const PLAINTEXT_REFUSED: &str =
    "[AUTH] Plaintext authentication disallowed on non-secure connections; use STLS";

/// One message of the maildrop snapshot taken at login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// The UIDL: the mailbox entry id, the same in every session.
    pub uid: String,
    pub size: i64,
    pub deleted: bool,
}

/// Why a login did not open the maildrop.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    BadCredentials,
    /// Another session holds the maildrop.
    InUse,
    /// Too many failures from this address: the connection is closed.
    Blocked,
    /// The store did not answer.
    Temporary,
}

#[derive(Debug, PartialEq)]
pub enum Step {
    /// Lines to send (CRLF included).
    Reply(String),
    Close(String),
    /// Send the reply, then the TLS handshake, then `tls_established`.
    StartTls(String),
    /// Send the challenge, read one line, then `auth_line`.
    Challenge(String),
    /// Check the login, lock and load the maildrop, then `logged_in`.
    Login {
        user: String,
        password: String,
    },
    /// Send the status line, then message `index` (0-based) encoded; for TOP
    /// only its header and `lines` body lines.
    Send {
        status: String,
        index: usize,
        lines: Option<usize>,
    },
    /// Delete these messages (UPDATE state), then `committed`.
    Commit(Vec<String>),
}

enum State {
    Authorization { user: Option<String>, sasl: bool },
    Transaction,
    Update,
}

pub struct Session {
    hostname: String,
    tls: bool,
    tls_available: bool,
    allow_plaintext: bool,
    state: State,
    msgs: Vec<Msg>,
    errors: ErrorBudget,
}

fn ok(text: &str) -> String {
    format!("+OK {text}\r\n")
}

fn err(text: &str) -> String {
    format!("-ERR {text}\r\n")
}

impl Session {
    pub fn new(hostname: &str, tls: bool, tls_available: bool, allow_plaintext: bool) -> Self {
        Self {
            hostname: hostname.to_string(),
            tls,
            tls_available,
            allow_plaintext,
            state: State::Authorization {
                user: None,
                sasl: false,
            },
            msgs: Vec::new(),
            errors: ErrorBudget::default(),
        }
    }

    pub fn greeting(&self) -> String {
        ok(&format!("{} Mismo POP3 ready", self.hostname))
    }

    fn auth_allowed(&self) -> bool {
        self.tls || self.allow_plaintext
    }

    fn fail(&mut self, text: &str) -> Step {
        if !self.errors.spend() {
            return Step::Close(err("Too many errors, closing"));
        }
        Step::Reply(err(text))
    }

    /// Whether the next line is a SASL response (longer lines allowed).
    pub fn awaiting_sasl(&self) -> bool {
        matches!(self.state, State::Authorization { sasl: true, .. })
    }

    pub fn overlong_line(&mut self) -> Step {
        self.fail("Line too long")
    }

    /// One command line.
    pub fn command(&mut self, line: &str) -> Step {
        if let State::Authorization { sasl: true, .. } = self.state {
            return self.auth_line(line.trim_end_matches(['\r', '\n']));
        }
        let (verb, command) = match Command::parse(line) {
            Ok(parsed) => parsed,
            Err(Malformed { verb, reason }) => {
                // A command of the other state is refused as such, whatever
                // its arguments.
                let refusal = verb.and_then(|v| self.refusal(v));
                return self.fail(refusal.unwrap_or(&reason));
            }
        };
        if let Some(refusal) = self.refusal(verb) {
            return self.fail(refusal);
        }
        match command {
            Command::Capa => Step::Reply(self.capa()),
            Command::Noop => Step::Reply(ok("")),
            Command::Quit => self.quit(),
            Command::Stls => {
                if self.tls {
                    self.fail("Already using TLS")
                } else if !self.tls_available {
                    self.fail("STLS not available")
                } else {
                    Step::StartTls(ok("Begin TLS negotiation"))
                }
            }
            Command::User(name) => {
                if !self.auth_allowed() {
                    return self.fail(PLAINTEXT_REFUSED);
                }
                self.state = State::Authorization {
                    user: Some(name),
                    sasl: false,
                };
                Step::Reply(ok("Send your password"))
            }
            Command::Pass(password) => {
                if !self.auth_allowed() {
                    return self.fail(PLAINTEXT_REFUSED);
                }
                let State::Authorization {
                    user: Some(user), ..
                } = std::mem::replace(
                    &mut self.state,
                    State::Authorization {
                        user: None,
                        sasl: false,
                    },
                )
                else {
                    return self.fail("Send USER first");
                };
                Step::Login { user, password }
            }
            Command::Auth { mechanism, initial } => self.auth(mechanism, initial),
            Command::Stat => {
                let (n, size) = self
                    .live()
                    .fold((0, 0), |(n, s), (_, m)| (n + 1, s + m.size));
                Step::Reply(ok(&format!("{n} {size}")))
            }
            Command::List(n) => self.listing(n, |m| m.size.to_string()),
            Command::Uidl(n) => self.listing(n, |m| m.uid.clone()),
            Command::Retr(n) => match self.message(n) {
                Ok(i) => Step::Send {
                    status: ok(&format!("{} octets", self.msgs[i].size)),
                    index: i,
                    lines: None,
                },
                Err(e) => self.fail(&e),
            },
            Command::Top { msg, lines } => match self.message(msg) {
                Ok(i) => Step::Send {
                    status: ok(""),
                    index: i,
                    lines: Some(lines),
                },
                Err(e) => self.fail(&e),
            },
            Command::Dele(n) => match self.message(n) {
                Ok(i) => {
                    self.msgs[i].deleted = true;
                    Step::Reply(ok(&format!("message {n} deleted")))
                }
                Err(e) => self.fail(&e),
            },
            Command::Rset => {
                for m in &mut self.msgs {
                    m.deleted = false;
                }
                Step::Reply(ok(&format!("maildrop has {} messages", self.msgs.len())))
            }
        }
    }

    /// Why a command cannot be used in the current state, if it cannot.
    fn refusal(&self, verb: Verb) -> Option<&'static str> {
        match self.state {
            State::Authorization { .. } if verb.after_login() => Some("Not logged in"),
            State::Transaction if verb.before_login() => Some("Already logged in"),
            _ => None,
        }
    }

    fn quit(&mut self) -> Step {
        if !matches!(self.state, State::Transaction) {
            return Step::Close(ok("Bye"));
        }
        // RFC 1939 6: QUIT in TRANSACTION enters UPDATE and deletes.
        self.state = State::Update;
        let gone = self
            .msgs
            .iter()
            .filter(|m| m.deleted)
            .map(|m| m.uid.clone())
            .collect();
        Step::Commit(gone)
    }

    fn capa(&self) -> String {
        let mut lines = vec![
            "+OK Capability list follows",
            "TOP",
            "UIDL",
            "RESP-CODES",
            "AUTH-RESP-CODE",
            "PIPELINING",
            "EXPIRE NEVER",
        ];
        let in_auth = matches!(self.state, State::Authorization { .. });
        if in_auth && self.auth_allowed() {
            lines.push("USER");
            lines.push("SASL PLAIN");
        }
        if in_auth && !self.tls && self.tls_available {
            lines.push("STLS");
        }
        lines.push("IMPLEMENTATION Mismo");
        lines.push(".");
        lines.join("\r\n") + "\r\n"
    }

    fn auth(&mut self, mechanism: Option<String>, initial: Option<String>) -> Step {
        if !self.auth_allowed() {
            return self.fail(PLAINTEXT_REFUSED);
        }
        let Some(mechanism) = mechanism else {
            return Step::Reply("+OK\r\nPLAIN\r\n.\r\n".into());
        };
        if !mechanism.eq_ignore_ascii_case("PLAIN") {
            return self.fail("Unsupported authentication mechanism");
        }
        self.state = State::Authorization {
            user: None,
            sasl: true,
        };
        match initial {
            None => Step::Challenge("+ \r\n".into()),
            Some(initial) => self.auth_line(&initial),
        }
    }

    /// The client's answer to the PLAIN challenge.
    pub fn auth_line(&mut self, line: &str) -> Step {
        self.state = State::Authorization {
            user: None,
            sasl: false,
        };
        match sasl::decode_line(line).and_then(|b| sasl::plain(&b)) {
            Ok((user, password)) => Step::Login { user, password },
            Err(SaslError::Cancelled) => self.fail("Authentication cancelled"),
            Err(SaslError::Malformed) => self.fail("Malformed authentication data"),
        }
    }

    /// The outcome of `Login`: the maildrop snapshot, or why not.
    pub fn logged_in(&mut self, result: Result<Vec<Msg>, LoginError>) -> Step {
        match result {
            Ok(msgs) => {
                let size: i64 = msgs.iter().map(|m| m.size).sum();
                let reply = ok(&format!(
                    "Logged in, {} messages ({size} octets)",
                    msgs.len()
                ));
                self.msgs = msgs;
                self.state = State::Transaction;
                Step::Reply(reply)
            }
            Err(LoginError::BadCredentials) => self.fail("[AUTH] Authentication failed"),
            Err(LoginError::InUse) => Step::Reply(err(
                "[IN-USE] Maildrop is locked by another session; try again later",
            )),
            Err(LoginError::Blocked) => {
                Step::Close(err("[AUTH] Too many failed logins; try again later"))
            }
            Err(LoginError::Temporary) => {
                Step::Reply(err("[SYS/TEMP] Temporary failure; try again later"))
            }
        }
    }

    /// The outcome of `Commit`.
    pub fn committed(&mut self, result: Result<(), ()>) -> Step {
        let left = self.msgs.iter().filter(|m| !m.deleted).count();
        match result {
            Ok(()) => Step::Close(ok(&format!(
                "{} POP3 server signing off ({left} messages left)",
                self.hostname
            ))),
            Err(()) => Step::Close(err("[SYS/TEMP] Some deleted messages not removed")),
        }
    }

    pub fn tls_established(&mut self) {
        self.tls = true;
        self.state = State::Authorization {
            user: None,
            sasl: false,
        };
    }

    fn live(&self) -> impl Iterator<Item = (usize, &Msg)> {
        self.msgs.iter().enumerate().filter(|(_, m)| !m.deleted)
    }

    /// The message a 1-based number names, if it exists and is not deleted.
    fn message(&self, n: usize) -> Result<usize, String> {
        match self.msgs.get(n - 1) {
            Some(m) if !m.deleted => Ok(n - 1),
            Some(_) => Err(format!("Message {n} already deleted")),
            None => Err(format!("No such message {n}")),
        }
    }

    fn listing(&mut self, n: Option<usize>, value: impl Fn(&Msg) -> String) -> Step {
        let Some(n) = n else {
            let mut out = ok(&format!("{} messages", self.live().count()));
            for (i, m) in self.live() {
                out.push_str(&format!("{} {}\r\n", i + 1, value(m)));
            }
            out.push_str(".\r\n");
            return Step::Reply(out);
        };
        match self.message(n) {
            Ok(i) => Step::Reply(ok(&format!("{n} {}", value(&self.msgs[i])))),
            Err(e) => self.fail(&e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged_in() -> Session {
        let mut s = Session::new("pop.test", true, true, false);
        assert_eq!(
            s.command("USER zoe@example.org"),
            Step::Reply(ok("Send your password"))
        );
        assert_eq!(
            s.command("PASS pass with spaces"),
            Step::Login {
                user: "zoe@example.org".into(),
                password: "pass with spaces".into()
            }
        );
        let msgs = vec![
            Msg {
                uid: "U1".into(),
                size: 100,
                deleted: false,
            },
            Msg {
                uid: "U2".into(),
                size: 200,
                deleted: false,
            },
        ];
        assert_eq!(
            s.logged_in(Ok(msgs)),
            Step::Reply(ok("Logged in, 2 messages (300 octets)"))
        );
        s
    }

    #[test]
    fn greeting_capa_and_stls() {
        let mut s = Session::new("pop.test", false, true, false);
        assert_eq!(s.greeting(), "+OK pop.test Mismo POP3 ready\r\n");
        let Step::Reply(capa) = s.command("CAPA") else {
            panic!()
        };
        assert!(
            capa.contains("STLS\r\n") && !capa.contains("USER") && capa.ends_with(".\r\n"),
            "{capa}"
        );
        // No password before TLS.
        assert!(matches!(s.command("USER zoe"), Step::Reply(r) if r.starts_with("-ERR [AUTH]")));
        assert!(matches!(s.command("AUTH PLAIN"), Step::Reply(r) if r.starts_with("-ERR [AUTH]")));
        assert_eq!(
            s.command("STLS"),
            Step::StartTls(ok("Begin TLS negotiation"))
        );
        s.tls_established();
        let Step::Reply(capa) = s.command("CAPA") else {
            panic!()
        };
        assert!(
            capa.contains("USER\r\n") && capa.contains("SASL PLAIN") && !capa.contains("STLS"),
            "{capa}"
        );
        assert!(matches!(s.command("STLS"), Step::Reply(r) if r.starts_with("-ERR")));
        // Plaintext allowed by setting.
        let mut p = Session::new("pop.test", false, false, true);
        assert_eq!(p.command("USER zoe"), Step::Reply(ok("Send your password")));
    }

    #[test]
    fn auth_plain() {
        let mut s = Session::new("pop.test", true, true, false);
        assert_eq!(
            s.command("AUTH"),
            Step::Reply("+OK\r\nPLAIN\r\n.\r\n".into())
        );
        assert_eq!(s.command("AUTH PLAIN"), Step::Challenge("+ \r\n".into()));
        let creds = sasl::encode("\0zoe@example.org\0pw");
        assert_eq!(
            s.command(&creds),
            Step::Login {
                user: "zoe@example.org".into(),
                password: "pw".into()
            }
        );
        assert!(
            matches!(s.logged_in(Err(LoginError::BadCredentials)), Step::Reply(r) if r == "-ERR [AUTH] Authentication failed\r\n")
        );
        assert_eq!(
            s.command(&format!("AUTH PLAIN {creds}")),
            Step::Login {
                user: "zoe@example.org".into(),
                password: "pw".into()
            }
        );
        assert!(
            matches!(s.logged_in(Err(LoginError::InUse)), Step::Reply(r) if r.starts_with("-ERR [IN-USE]"))
        );
        assert!(
            matches!(s.logged_in(Err(LoginError::Temporary)), Step::Reply(r) if r.starts_with("-ERR [SYS/TEMP]"))
        );
        assert!(matches!(
            s.logged_in(Err(LoginError::Blocked)),
            Step::Close(_)
        ));
        assert!(matches!(s.command("AUTH CRAM-MD5"), Step::Reply(r) if r.starts_with("-ERR")));
        assert!(matches!(s.command("AUTH PLAIN"), Step::Challenge(_)));
        assert!(matches!(s.command("*"), Step::Reply(r) if r.contains("cancelled")));
    }

    #[test]
    fn authorization_state_refuses_transaction_commands() {
        let mut s = Session::new("pop.test", true, true, false);
        for c in [
            "STAT", "LIST", "RETR 1", "DELE 1", "UIDL", "TOP 1 0", "RSET", "NOOP",
        ] {
            assert!(
                matches!(s.command(c), Step::Reply(r) if r.starts_with("-ERR")),
                "{c}"
            );
        }
        assert!(matches!(s.command("PASS x"), Step::Reply(r) if r.contains("USER first")));
        assert_eq!(s.command("QUIT"), Step::Close(ok("Bye")));
    }

    #[test]
    fn pass_keeps_leading_and_trailing_spaces() {
        let mut s = Session::new("pop.test", true, true, false);
        s.command("USER zoe@example.org\r\n");
        assert_eq!(
            s.command("PASS  two spaces before, one after \r\n"),
            Step::Login {
                user: "zoe@example.org".into(),
                password: " two spaces before, one after ".into()
            }
        );
        assert_eq!(s.command("QUIT"), Step::Close(ok("Bye")));
    }

    #[test]
    fn transaction_commands() {
        let mut s = logged_in();
        assert_eq!(s.command("STAT"), Step::Reply(ok("2 300")));
        assert_eq!(
            s.command("LIST"),
            Step::Reply("+OK 2 messages\r\n1 100\r\n2 200\r\n.\r\n".into())
        );
        assert_eq!(s.command("LIST 2"), Step::Reply(ok("2 200")));
        assert_eq!(
            s.command("UIDL"),
            Step::Reply("+OK 2 messages\r\n1 U1\r\n2 U2\r\n.\r\n".into())
        );
        assert_eq!(s.command("UIDL 1"), Step::Reply(ok("1 U1")));
        assert_eq!(
            s.command("RETR 2"),
            Step::Send {
                status: ok("200 octets"),
                index: 1,
                lines: None
            }
        );
        assert_eq!(
            s.command("TOP 1 5"),
            Step::Send {
                status: ok(""),
                index: 0,
                lines: Some(5)
            }
        );
        assert!(matches!(s.command("TOP 1"), Step::Reply(r) if r.starts_with("-ERR")));
        assert!(matches!(s.command("RETR 3"), Step::Reply(r) if r.contains("No such message 3")));
        assert!(matches!(s.command("RETR 0"), Step::Reply(r) if r.starts_with("-ERR")));
        assert!(matches!(s.command("RETR x"), Step::Reply(r) if r.starts_with("-ERR")));
        assert_eq!(s.command("NOOP"), Step::Reply(ok("")));
        assert_eq!(s.command("DELE 1"), Step::Reply(ok("message 1 deleted")));
        assert!(matches!(s.command("DELE 1"), Step::Reply(r) if r.contains("already deleted")));
        assert!(matches!(s.command("RETR 1"), Step::Reply(r) if r.starts_with("-ERR")));
        assert_eq!(s.command("STAT"), Step::Reply(ok("1 200")));
        assert_eq!(
            s.command("LIST"),
            Step::Reply("+OK 1 messages\r\n2 200\r\n.\r\n".into())
        );
        assert_eq!(
            s.command("RSET"),
            Step::Reply(ok("maildrop has 2 messages"))
        );
        assert_eq!(s.command("STAT"), Step::Reply(ok("2 300")));
        assert!(matches!(s.command("USER x"), Step::Reply(r) if r.starts_with("-ERR")));
        assert!(matches!(s.command("FROB"), Step::Reply(r) if r == "-ERR Unknown command\r\n"));
        s.command("DELE 2");
        assert_eq!(s.command("QUIT"), Step::Commit(vec!["U2".into()]));
        assert_eq!(
            s.committed(Ok(())),
            Step::Close(ok("pop.test POP3 server signing off (1 messages left)"))
        );
    }

    #[test]
    fn too_many_errors_close() {
        let mut s = Session::new("pop.test", true, true, false);
        for _ in 0..mismo_core::server::errors::MAX_ERRORS {
            assert!(matches!(s.command("FROB"), Step::Reply(_)));
        }
        assert!(matches!(s.command("FROB"), Step::Close(_)));
        assert!(
            matches!(Session::new("p", true, true, false).overlong_line(), Step::Reply(r) if r.contains("too long"))
        );
    }
}
