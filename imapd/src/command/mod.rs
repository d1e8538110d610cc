//! IMAP commands (RFC 9051 6, with RFC 3501's and the extensions' own)
//! built from parsed tokens: every argument checked here, so the session
//! only decides what a command means. Each command family reads its own
//! arguments in a file of its own.

mod append;
mod args;
mod fetch;
mod folders;
mod search;
mod store;

use crate::parse::Parsed;
use crate::sequence::SequenceSet;
use args::Args;

/// The reply to a folder name that is not modified UTF-7 (RFC 3501 5.1.3).
const NOT_UTF7: &str = "Folder name is not valid modified UTF-7";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Capability,
    Noop,
    Logout,
    StartTls,
    Login {
        user: String,
        password: String,
    },
    Authenticate {
        mechanism: String,
        initial: Option<String>,
    },
    Id,
    Enable(Vec<String>),
    Namespace,
    List {
        reference: String,
        pattern: String,
        /// `RETURN (SPECIAL-USE)` (RFC 6154), or LIST-EXTENDED's selection.
        special_use: bool,
        subscribed_only: bool,
    },
    Lsub {
        reference: String,
        pattern: String,
    },
    Create(String),
    Delete(String),
    Rename(String, String),
    Subscribe(String),
    Unsubscribe(String),
    Status {
        mailbox: String,
        items: Vec<StatusItem>,
    },
    Select {
        mailbox: String,
        read_only: bool,
        condstore: bool,
    },
    Fetch {
        set: SequenceSet,
        uid: bool,
        items: Vec<FetchItem>,
        changed_since: Option<i64>,
    },
    Store {
        set: SequenceSet,
        uid: bool,
        mode: StoreMode,
        silent: bool,
        flags: Vec<String>,
        unchanged_since: Option<i64>,
    },
    Copy {
        set: SequenceSet,
        uid: bool,
        mailbox: String,
    },
    Move {
        set: SequenceSet,
        uid: bool,
        mailbox: String,
    },
    /// `UID EXPUNGE set` (RFC 4315) names the UIDs; plain EXPUNGE none.
    Expunge(Option<SequenceSet>),
    Append {
        mailbox: String,
        flags: Vec<String>,
        date: Option<String>,
        message: Vec<u8>,
    },
    Search {
        uid: bool,
        key: SearchKey,
    },
    Check,
    Close,
    Unselect,
    Idle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusItem {
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    HighestModSeq,
    Size,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    Replace,
    Add,
    Remove,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchItem {
    Flags,
    Uid,
    InternalDate,
    Size,
    Envelope,
    BodyStructure,
    /// BODY without a section: the structure without extension data.
    Body,
    ModSeq,
    /// BODY[...], BODY.PEEK[...], BINARY is not offered.
    Section {
        section: Section,
        peek: bool,
        partial: Option<(u64, u64)>,
        /// The name to answer with: RFC822, RFC822.HEADER and RFC822.TEXT
        /// answer under their own names.
        legacy: Option<&'static str>,
    },
}

/// A body section (RFC 9051 6.4.5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    /// Part numbers, `1.2` as [1, 2]; empty for the whole message.
    pub part: Vec<u32>,
    pub text: SectionText,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SectionText {
    #[default]
    Full,
    Header,
    HeaderFields(Vec<String>),
    HeaderFieldsNot(Vec<String>),
    Text,
    Mime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    All,
    And(Vec<SearchKey>),
    Or(Box<SearchKey>, Box<SearchKey>),
    Not(Box<SearchKey>),
    Seq(SequenceSet),
    Uid(SequenceSet),
    /// A flag that must be set (or, with false, unset).
    Flag(String, bool),
    New,
    Old,
    Recent,
    Header(String, String),
    Body(String),
    Text(String),
    /// Internal date, as days since the epoch.
    Before(i64),
    On(i64),
    Since(i64),
    SentBefore(i64),
    SentOn(i64),
    SentSince(i64),
    Larger(u64),
    Smaller(u64),
    ModSeq(i64),
}

/// What a command line asked for that cannot be done as written.
pub type Invalid = String;

impl Command {
    pub fn from_parsed(parsed: Parsed) -> Result<Command, Invalid> {
        let mut args = Args::new(parsed.args);
        let (uid, name) = if parsed.name == "UID" {
            (true, args.atom("UID command")?.to_ascii_uppercase())
        } else {
            (false, parsed.name)
        };
        let a = &mut args;
        let command = match (uid, name.as_str()) {
            (false, "CAPABILITY") => Command::Capability,
            (false, "NOOP") => Command::Noop,
            (false, "LOGOUT") => Command::Logout,
            (false, "STARTTLS") => Command::StartTls,
            (false, "CHECK") => Command::Check,
            (false, "CLOSE") => Command::Close,
            (false, "UNSELECT") => Command::Unselect,
            (false, "IDLE") => Command::Idle,
            (false, "NAMESPACE") => Command::Namespace,
            (false, "LOGIN") => Command::Login {
                user: a.astring("user name")?,
                password: a.astring("password")?,
            },
            (false, "AUTHENTICATE") => Command::Authenticate {
                mechanism: a.atom("mechanism")?.to_ascii_uppercase(),
                initial: a.optional_astring(),
            },
            (false, "ID") => {
                // The client's identification is logged by nobody: take
                // NIL or a list.
                a.rest();
                Command::Id
            }
            (false, "ENABLE") => enable(a)?,
            (false, "LIST") => folders::list(a)?,
            (false, "LSUB") => Command::Lsub {
                reference: a.folder("reference")?,
                pattern: a.folder("pattern")?,
            },
            (false, "CREATE") => Command::Create(a.folder("folder name")?),
            (false, "DELETE") => Command::Delete(a.folder("folder name")?),
            (false, "RENAME") => {
                Command::Rename(a.folder("folder name")?, a.folder("new folder name")?)
            }
            (false, "SUBSCRIBE") => Command::Subscribe(a.folder("folder name")?),
            (false, "UNSUBSCRIBE") => Command::Unsubscribe(a.folder("folder name")?),
            (false, "STATUS") => folders::status(a)?,
            (false, "SELECT") => folders::select(a, false)?,
            (false, "EXAMINE") => folders::select(a, true)?,
            (_, "FETCH") => fetch::fetch(a, uid)?,
            (_, "STORE") => store::store(a, uid)?,
            (_, "COPY") => Command::Copy {
                set: a.set()?,
                uid,
                mailbox: a.folder("folder name")?,
            },
            (_, "MOVE") => Command::Move {
                set: a.set()?,
                uid,
                mailbox: a.folder("folder name")?,
            },
            (false, "EXPUNGE") => Command::Expunge(None),
            (true, "EXPUNGE") => Command::Expunge(Some(a.set()?)),
            (false, "APPEND") => append::append(a)?,
            (_, "SEARCH") => search::search(a, uid)?,
            (true, _) => return Err("Unknown UID command".into()),
            _ => return Err("Unknown command".into()),
        };
        args.finish()?;
        Ok(command)
    }
}

/// ENABLE's capability names (RFC 5161).
fn enable(args: &mut Args) -> Result<Command, Invalid> {
    let mut caps = Vec::new();
    while let Some(t) = args.next() {
        caps.push(t.atom().ok_or("ENABLE takes atoms")?.to_ascii_uppercase());
    }
    if caps.is_empty() {
        return Err("ENABLE needs a capability".into());
    }
    Ok(Command::Enable(caps))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::parse::parse;

    pub(crate) fn command(line: &str) -> Result<Command, Invalid> {
        Command::from_parsed(parse(format!("t {line}\r\n").as_bytes()).unwrap())
    }

    pub(crate) fn ok(line: &str) -> Command {
        command(line).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    #[test]
    fn simple_commands() {
        assert_eq!(ok("CAPABILITY"), Command::Capability);
        assert_eq!(ok("noop"), Command::Noop);
        assert_eq!(ok("LOGOUT"), Command::Logout);
        assert_eq!(ok("STARTTLS"), Command::StartTls);
        assert_eq!(ok("CHECK"), Command::Check);
        assert_eq!(ok("CLOSE"), Command::Close);
        assert_eq!(ok("UNSELECT"), Command::Unselect);
        assert_eq!(ok("IDLE"), Command::Idle);
        assert_eq!(ok("NAMESPACE"), Command::Namespace);
        assert_eq!(ok("ID NIL"), Command::Id);
        assert_eq!(ok("ID (\"name\" \"x\")"), Command::Id);
        assert_eq!(
            ok("ENABLE CONDSTORE"),
            Command::Enable(vec!["CONDSTORE".into()])
        );
        assert_eq!(
            ok("LOGIN zoe@example.org \"pass word\""),
            Command::Login {
                user: "zoe@example.org".into(),
                password: "pass word".into()
            }
        );
        assert_eq!(
            ok("AUTHENTICATE plain"),
            Command::Authenticate {
                mechanism: "PLAIN".into(),
                initial: None
            }
        );
        assert_eq!(ok("EXPUNGE"), Command::Expunge(None));
        assert!(matches!(ok("UID EXPUNGE 3:5"), Command::Expunge(Some(_))));
        assert!(matches!(
            ok("UID COPY 1 Trash"),
            Command::Copy { uid: true, .. }
        ));
        assert!(matches!(
            ok("MOVE 1:* Trash"),
            Command::Move { uid: false, .. }
        ));
    }

    #[test]
    fn bad_arguments_are_named() {
        let err = |l: &str| command(l).unwrap_err();
        assert_eq!(err("FROB"), "Unknown command");
        assert_eq!(err("UID FROB 1"), "Unknown UID command");
        assert_eq!(err("LOGIN zoe"), "Missing or invalid password");
        assert_eq!(err("NOOP extra"), "Too many arguments");
        assert_eq!(err("ENABLE"), "ENABLE needs a capability");
    }
}
