//! The IMAP session's state and the answers that need no store: greeting,
//! CAPABILITY, and which command is allowed in which state. The commands
//! (`cmd/`) carry out the rest.

use mismo_core::model::Folder;
use mismo_core::server::ErrorBudget;

use crate::command::Command;
use crate::view::View;

/// RFC 9051 3: the session's states.
pub enum State {
    NotAuthenticated,
    Authenticated {
        mailbox: String,
    },
    Selected {
        mailbox: String,
        folder: Folder,
        view: Box<View>,
        read_only: bool,
    },
    Logout,
}

pub struct Session {
    pub hostname: String,
    pub tls: bool,
    pub tls_available: bool,
    pub allow_plaintext: bool,
    pub state: State,
    /// CONDSTORE enabled (ENABLE, or SELECT ... (CONDSTORE), or a command
    /// that uses it): FETCH then reports MODSEQ.
    pub condstore: bool,
    pub errors: ErrorBudget,
}

/// Why a command cannot run in the current state.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// BAD: not in this state (RFC 9051 6).
    WrongState(&'static str),
    /// NO: LOGINDISABLED or PRIVACYREQUIRED before TLS.
    NeedsTls,
}

impl Session {
    pub fn new(hostname: &str, tls: bool, tls_available: bool, allow_plaintext: bool) -> Self {
        Self {
            hostname: hostname.to_string(),
            tls,
            tls_available,
            allow_plaintext,
            state: State::NotAuthenticated,
            condstore: false,
            errors: ErrorBudget::default(),
        }
    }

    pub fn login_allowed(&self) -> bool {
        self.tls || self.allow_plaintext
    }

    pub fn greeting(&self) -> String {
        format!(
            "* OK [CAPABILITY {}] {} Mismo IMAP ready\r\n",
            self.capabilities(),
            self.hostname
        )
    }

    /// The capabilities for the current state (RFC 9051 7.2.2).
    pub fn capabilities(&self) -> String {
        let mut caps = vec!["IMAP4rev1", "LITERAL+", "ID", "ENABLE", "IDLE", "NAMESPACE"];
        if matches!(self.state, State::NotAuthenticated) {
            if !self.tls && self.tls_available {
                caps.push("STARTTLS");
            }
            if self.login_allowed() {
                caps.push("AUTH=PLAIN");
            } else {
                caps.push("LOGINDISABLED");
            }
        } else {
            caps.extend([
                "UIDPLUS",
                "MOVE",
                "SPECIAL-USE",
                "LIST-EXTENDED",
                "CONDSTORE",
                "UNSELECT",
                "CHILDREN",
                "SASL-IR",
            ]);
        }
        caps.join(" ")
    }

    pub fn mailbox(&self) -> Option<&str> {
        match &self.state {
            State::Authenticated { mailbox } | State::Selected { mailbox, .. } => Some(mailbox),
            _ => None,
        }
    }

    /// Whether `command` may run now.
    pub fn check(&self, command: &Command) -> Result<(), Refusal> {
        use Command as C;
        let authenticated = self.mailbox().is_some();
        let selected = matches!(self.state, State::Selected { .. });
        match command {
            C::Capability | C::Noop | C::Logout | C::Id => Ok(()),
            C::StartTls if self.tls => Err(Refusal::WrongState("TLS is already active")),
            C::StartTls if !self.tls_available => {
                Err(Refusal::WrongState("STARTTLS is not available"))
            }
            C::StartTls | C::Login { .. } | C::Authenticate { .. } if authenticated => {
                Err(Refusal::WrongState("Already authenticated"))
            }
            C::StartTls => Ok(()),
            C::Login { .. } | C::Authenticate { .. } if !self.login_allowed() => {
                Err(Refusal::NeedsTls)
            }
            C::Login { .. } | C::Authenticate { .. } => Ok(()),
            _ if !authenticated => Err(Refusal::WrongState("Log in first")),
            C::Fetch { .. }
            | C::Store { .. }
            | C::Copy { .. }
            | C::Move { .. }
            | C::Expunge(_)
            | C::Search { .. }
            | C::Check
            | C::Close
            | C::Unselect
                if !selected =>
            {
                Err(Refusal::WrongState("Select a folder first"))
            }
            _ => Ok(()),
        }
    }

    /// Counts a BAD or NO caused by the client; false once too many.
    pub fn error(&mut self) -> bool {
        self.errors.spend()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn cmd(line: &str) -> Command {
        Command::from_parsed(parse(format!("t {line}\r\n").as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn capabilities_follow_the_state() {
        let s = Session::new("imap.test", false, true, false);
        assert!(s.greeting().starts_with("* OK [CAPABILITY IMAP4rev1 "));
        let caps = s.capabilities();
        assert!(caps.contains("STARTTLS") && caps.contains("LOGINDISABLED"));
        assert!(!caps.contains("AUTH=PLAIN"));
        assert_eq!(s.check(&cmd("LOGIN a b")), Err(Refusal::NeedsTls));
        assert_eq!(s.check(&cmd("STARTTLS")), Ok(()));
        assert!(matches!(
            s.check(&cmd("SELECT INBOX")),
            Err(Refusal::WrongState(_))
        ));
        let mut s = Session::new("imap.test", true, true, false);
        let caps = s.capabilities();
        assert!(caps.contains("AUTH=PLAIN") && !caps.contains("STARTTLS"));
        assert!(matches!(
            s.check(&cmd("STARTTLS")),
            Err(Refusal::WrongState(_))
        ));
        assert_eq!(s.check(&cmd("LOGIN a b")), Ok(()));
        s.state = State::Authenticated {
            mailbox: "zoe@x.test".into(),
        };
        let caps = s.capabilities();
        for c in [
            "UIDPLUS",
            "MOVE",
            "SPECIAL-USE",
            "CONDSTORE",
            "IDLE",
            "NAMESPACE",
        ] {
            assert!(caps.contains(c), "{c}");
        }
        assert!(matches!(
            s.check(&cmd("LOGIN a b")),
            Err(Refusal::WrongState(_))
        ));
        assert_eq!(s.check(&cmd("LIST \"\" *")), Ok(()));
        assert!(matches!(
            s.check(&cmd("FETCH 1 FLAGS")),
            Err(Refusal::WrongState(_))
        ));
        assert!(matches!(
            s.check(&cmd("EXPUNGE")),
            Err(Refusal::WrongState(_))
        ));
        assert_eq!(s.check(&cmd("LOGOUT")), Ok(()));
    }
}
