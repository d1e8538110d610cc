//! POP3 command lines parsed into typed commands (RFC 1939, RFC 2449, RFC
//! 2595, RFC 5034). The session then only decides what each means in its
//! state; every syntax error is named here.

/// A POP3 command with its arguments checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Capa,
    Noop,
    Quit,
    Stls,
    User(String),
    /// The rest of the line as it is: RFC 1939 7 allows spaces in a
    /// password, leading and trailing ones included.
    Pass(String),
    /// `AUTH` alone lists the mechanisms.
    Auth {
        mechanism: Option<String>,
        initial: Option<String>,
    },
    Stat,
    /// Message numbers are 1-based, as the client sends them.
    List(Option<usize>),
    Uidl(Option<usize>),
    Retr(usize),
    Top {
        msg: usize,
        lines: usize,
    },
    Dele(usize),
    Rset,
}

/// Which command a line names, whether or not its arguments were right:
/// the session refuses a command in the wrong state before it looks at them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Capa,
    Noop,
    Quit,
    Stls,
    User,
    Pass,
    Auth,
    Stat,
    List,
    Uidl,
    Retr,
    Top,
    Dele,
    Rset,
}

impl Verb {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_uppercase().as_str() {
            "CAPA" => Self::Capa,
            "NOOP" => Self::Noop,
            "QUIT" => Self::Quit,
            "STLS" => Self::Stls,
            "USER" => Self::User,
            "PASS" => Self::Pass,
            "AUTH" => Self::Auth,
            "STAT" => Self::Stat,
            "LIST" => Self::List,
            "UIDL" => Self::Uidl,
            "RETR" => Self::Retr,
            "TOP" => Self::Top,
            "DELE" => Self::Dele,
            "RSET" => Self::Rset,
            _ => return None,
        })
    }

    /// Commands of the AUTHORIZATION state (RFC 1939 4, RFC 2595, RFC 5034).
    pub fn before_login(self) -> bool {
        matches!(self, Self::User | Self::Pass | Self::Auth | Self::Stls)
    }

    /// Commands of the TRANSACTION state.
    pub fn after_login(self) -> bool {
        matches!(
            self,
            Self::Stat
                | Self::List
                | Self::Uidl
                | Self::Retr
                | Self::Top
                | Self::Dele
                | Self::Rset
                | Self::Noop
        )
    }
}

/// A line that is not a valid command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The command it names, if any.
    pub verb: Option<Verb>,
    /// What is wrong, for the `-ERR` line.
    pub reason: String,
}

impl Command {
    /// Parses one command line (its CRLF may still be on it).
    pub fn parse(line: &str) -> Result<(Verb, Command), Malformed> {
        let line = line.trim_end_matches(['\r', '\n']);
        let (word, raw_arg) = line.split_once(' ').unwrap_or((line, ""));
        let Some(verb) = Verb::parse(word) else {
            return Err(Malformed {
                verb: None,
                reason: "Unknown command".into(),
            });
        };
        let args: Vec<&str> = raw_arg.split_whitespace().collect();
        let bad = |reason: &str| Malformed {
            verb: Some(verb),
            reason: reason.into(),
        };
        let command = match verb {
            Verb::Capa => Command::Capa,
            Verb::Noop => Command::Noop,
            Verb::Quit => Command::Quit,
            Verb::Stls => Command::Stls,
            Verb::Stat => Command::Stat,
            Verb::Rset => Command::Rset,
            Verb::User => match raw_arg.trim() {
                "" => return Err(bad("Usage: USER name")),
                name => Command::User(name.to_string()),
            },
            Verb::Pass => Command::Pass(raw_arg.to_string()),
            Verb::Auth => match args.as_slice() {
                [] => Command::Auth {
                    mechanism: None,
                    initial: None,
                },
                [mechanism] => Command::Auth {
                    mechanism: Some(mechanism.to_string()),
                    initial: None,
                },
                [mechanism, initial] => Command::Auth {
                    mechanism: Some(mechanism.to_string()),
                    initial: Some(initial.to_string()),
                },
                _ => return Err(bad("Usage: AUTH mechanism [initial-response]")),
            },
            Verb::List | Verb::Uidl => {
                let n = match args.as_slice() {
                    [] => None,
                    [n] => Some(number(n).map_err(bad)?),
                    _ => return Err(bad("Wrong number of arguments")),
                };
                if verb == Verb::List {
                    Command::List(n)
                } else {
                    Command::Uidl(n)
                }
            }
            Verb::Retr | Verb::Dele => {
                let [n] = args.as_slice() else {
                    return Err(bad("Wrong number of arguments"));
                };
                let n = number(n).map_err(bad)?;
                if verb == Verb::Retr {
                    Command::Retr(n)
                } else {
                    Command::Dele(n)
                }
            }
            Verb::Top => {
                let [msg, lines] = args.as_slice() else {
                    return Err(bad("Usage: TOP msg n"));
                };
                let msg = number(msg).map_err(bad)?;
                let Ok(lines) = lines.parse::<usize>() else {
                    return Err(bad("Usage: TOP msg n"));
                };
                Command::Top { msg, lines }
            }
        };
        Ok((verb, command))
    }
}

/// A message number: 1 or more.
fn number(word: &str) -> Result<usize, &'static str> {
    match word.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("Invalid message number"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> Command {
        Command::parse(line).expect(line).1
    }

    fn reason(line: &str) -> String {
        Command::parse(line).expect_err(line).reason
    }

    #[test]
    fn every_command() {
        assert_eq!(parsed("capa\r\n"), Command::Capa);
        assert_eq!(parsed("NOOP"), Command::Noop);
        assert_eq!(parsed("QUIT"), Command::Quit);
        assert_eq!(parsed("STLS"), Command::Stls);
        assert_eq!(
            parsed("USER zoe@x.test"),
            Command::User("zoe@x.test".into())
        );
        assert_eq!(parsed("PASS  a b "), Command::Pass(" a b ".into()));
        assert_eq!(parsed("PASS"), Command::Pass(String::new()));
        assert_eq!(
            parsed("AUTH"),
            Command::Auth {
                mechanism: None,
                initial: None
            }
        );
        assert_eq!(
            parsed("AUTH PLAIN AGZvbwBiYXI="),
            Command::Auth {
                mechanism: Some("PLAIN".into()),
                initial: Some("AGZvbwBiYXI=".into())
            }
        );
        assert_eq!(parsed("STAT"), Command::Stat);
        assert_eq!(parsed("LIST"), Command::List(None));
        assert_eq!(parsed("LIST 3"), Command::List(Some(3)));
        assert_eq!(parsed("UIDL 2"), Command::Uidl(Some(2)));
        assert_eq!(parsed("RETR 1"), Command::Retr(1));
        assert_eq!(parsed("TOP 1 0"), Command::Top { msg: 1, lines: 0 });
        assert_eq!(parsed("DELE 7"), Command::Dele(7));
        assert_eq!(parsed("RSET"), Command::Rset);
    }

    #[test]
    fn every_error_is_named() {
        assert_eq!(reason("FROB"), "Unknown command");
        assert_eq!(Command::parse("FROB").unwrap_err().verb, None);
        assert_eq!(reason("USER"), "Usage: USER name");
        assert_eq!(reason("RETR"), "Wrong number of arguments");
        assert_eq!(reason("RETR 1 2"), "Wrong number of arguments");
        assert_eq!(reason("RETR 0"), "Invalid message number");
        assert_eq!(reason("DELE x"), "Invalid message number");
        assert_eq!(reason("LIST 1 2"), "Wrong number of arguments");
        assert_eq!(reason("TOP 1"), "Usage: TOP msg n");
        assert_eq!(reason("TOP 1 -1"), "Usage: TOP msg n");
        assert_eq!(
            reason("AUTH PLAIN a b"),
            "Usage: AUTH mechanism [initial-response]"
        );
        assert_eq!(Command::parse("RETR x").unwrap_err().verb, Some(Verb::Retr));
    }
}
