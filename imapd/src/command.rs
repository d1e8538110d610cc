//! IMAP commands (RFC 9051 6, with RFC 3501's and the extensions' own)
//! built from parsed tokens: every argument checked here, so the session
//! only decides what a command means.

use crate::parse::{Parsed, Token};
use crate::sequence::SequenceSet;
use crate::utf7;

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
        let mut args = Args(parsed.args.into_iter().collect());
        let name = parsed.name.as_str();
        let (uid, name) = if name == "UID" {
            let sub = args.atom("UID command")?.to_ascii_uppercase();
            (true, sub)
        } else {
            (false, name.to_string())
        };
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
                user: args.astring("user name")?,
                password: args.astring("password")?,
            },
            (false, "AUTHENTICATE") => Command::Authenticate {
                mechanism: args.atom("mechanism")?.to_ascii_uppercase(),
                initial: args.optional_astring(),
            },
            (false, "ID") => {
                // The client's identification is logged by nobody: take
                // NIL or a list.
                args.0.clear();
                Command::Id
            }
            (false, "ENABLE") => {
                let mut caps = Vec::new();
                while let Some(t) = args.next() {
                    caps.push(t.atom().ok_or("ENABLE takes atoms")?.to_ascii_uppercase());
                }
                if caps.is_empty() {
                    return Err("ENABLE needs a capability".into());
                }
                Command::Enable(caps)
            }
            (false, "LIST") => list(&mut args)?,
            (false, "LSUB") => Command::Lsub {
                reference: args.folder("reference")?,
                pattern: args.folder("pattern")?,
            },
            (false, "CREATE") => Command::Create(args.folder("folder name")?),
            (false, "DELETE") => Command::Delete(args.folder("folder name")?),
            (false, "RENAME") => {
                Command::Rename(args.folder("folder name")?, args.folder("new folder name")?)
            }
            (false, "SUBSCRIBE") => Command::Subscribe(args.folder("folder name")?),
            (false, "UNSUBSCRIBE") => Command::Unsubscribe(args.folder("folder name")?),
            (false, "STATUS") => {
                let mailbox = args.folder("folder name")?;
                let items = args
                    .list("status items")?
                    .iter()
                    .map(|t| status_item(t.atom().unwrap_or("")))
                    .collect::<Result<Vec<_>, _>>()?;
                Command::Status { mailbox, items }
            }
            (false, "SELECT" | "EXAMINE") => {
                let mailbox = args.folder("folder name")?;
                let mut condstore = false;
                if let Some(params) = args.optional_list() {
                    for p in params {
                        match p.atom().map(str::to_ascii_uppercase).as_deref() {
                            Some("CONDSTORE") => condstore = true,
                            _ => return Err("Unknown SELECT parameter".into()),
                        }
                    }
                }
                Command::Select {
                    mailbox,
                    read_only: name == "EXAMINE",
                    condstore,
                }
            }
            (_, "FETCH") => {
                let set = args.set()?;
                let items = fetch_items(args.next().ok_or("Missing fetch items")?)?;
                let mut changed_since = None;
                if let Some(mods) = args.optional_list() {
                    let mut it = mods.into_iter();
                    while let Some(m) = it.next() {
                        match m.atom().map(str::to_ascii_uppercase).as_deref() {
                            Some("CHANGEDSINCE") => {
                                changed_since = Some(number(it.next().as_ref())?);
                            }
                            _ => return Err("Unknown FETCH modifier".into()),
                        }
                    }
                }
                Command::Fetch {
                    set,
                    uid,
                    items,
                    changed_since,
                }
            }
            (_, "STORE") => {
                let set = args.set()?;
                let mut unchanged_since = None;
                if let Some(mods) = args.optional_list() {
                    let mut it = mods.into_iter();
                    while let Some(m) = it.next() {
                        match m.atom().map(str::to_ascii_uppercase).as_deref() {
                            Some("UNCHANGEDSINCE") => {
                                unchanged_since = Some(number(it.next().as_ref())?);
                            }
                            _ => return Err("Unknown STORE modifier".into()),
                        }
                    }
                }
                let what = args.atom("store action")?.to_ascii_uppercase();
                let (mode, rest) = match what.as_bytes().first() {
                    Some(b'+') => (StoreMode::Add, &what[1..]),
                    Some(b'-') => (StoreMode::Remove, &what[1..]),
                    _ => (StoreMode::Replace, &what[..]),
                };
                let silent = match rest {
                    "FLAGS" => false,
                    "FLAGS.SILENT" => true,
                    _ => return Err("STORE takes FLAGS, +FLAGS or -FLAGS".into()),
                };
                let flags = match args.next() {
                    Some(Token::List(items)) => flag_list(&items)?,
                    Some(Token::Atom(a)) => {
                        let mut flags = vec![a];
                        while let Some(t) = args.next() {
                            flags.push(t.atom().ok_or("Invalid flag")?.to_string());
                        }
                        check_flags(flags)?
                    }
                    _ => return Err("Missing flags".into()),
                };
                Command::Store {
                    set,
                    uid,
                    mode,
                    silent,
                    flags,
                    unchanged_since,
                }
            }
            (_, "COPY") => Command::Copy {
                set: args.set()?,
                uid,
                mailbox: args.folder("folder name")?,
            },
            (_, "MOVE") => Command::Move {
                set: args.set()?,
                uid,
                mailbox: args.folder("folder name")?,
            },
            (false, "EXPUNGE") => Command::Expunge(None),
            (true, "EXPUNGE") => Command::Expunge(Some(args.set()?)),
            (false, "APPEND") => {
                let mailbox = args.folder("folder name")?;
                let mut flags = Vec::new();
                let mut date = None;
                let mut message = None;
                while let Some(t) = args.next() {
                    match t {
                        Token::List(items) if message.is_none() => flags = flag_list(&items)?,
                        Token::Quoted(d) if message.is_none() => date = Some(d),
                        Token::Literal(bytes) if message.is_none() => message = Some(bytes),
                        _ => return Err("Invalid APPEND arguments".into()),
                    }
                }
                Command::Append {
                    mailbox,
                    flags,
                    date,
                    message: message.ok_or("APPEND needs the message as a literal")?,
                }
            }
            (_, "SEARCH") => {
                let mut rest: Vec<Token> = args.0.drain(..).collect();
                if rest
                    .first()
                    .and_then(Token::atom)
                    .is_some_and(|a| a.eq_ignore_ascii_case("CHARSET"))
                {
                    let charset = rest.get(1).and_then(Token::astring).unwrap_or_default();
                    if !["US-ASCII", "UTF-8"].contains(&charset.to_ascii_uppercase().as_str()) {
                        return Err("[BADCHARSET (US-ASCII UTF-8)] Unsupported charset".into());
                    }
                    rest.drain(..2);
                }
                if rest.is_empty() {
                    return Err("SEARCH needs a key".into());
                }
                let mut it = rest.into_iter().peekable();
                let mut keys = Vec::new();
                while it.peek().is_some() {
                    keys.push(search_key(&mut it, 0)?);
                }
                Command::Search {
                    uid,
                    key: if keys.len() == 1 {
                        keys.pop().expect("one key")
                    } else {
                        SearchKey::And(keys)
                    },
                }
            }
            (true, _) => return Err("Unknown UID command".into()),
            _ => return Err("Unknown command".into()),
        };
        if !args.0.is_empty() {
            return Err("Too many arguments".into());
        }
        Ok(command)
    }
}

struct Args(std::collections::VecDeque<Token>);

impl Args {
    fn next(&mut self) -> Option<Token> {
        self.0.pop_front()
    }

    fn astring(&mut self, what: &str) -> Result<String, Invalid> {
        self.next()
            .and_then(|t| t.astring())
            .ok_or_else(|| format!("Missing or invalid {what}"))
    }

    /// A folder name or pattern, decoded from modified UTF-7.
    fn folder(&mut self, what: &str) -> Result<String, Invalid> {
        utf7::decode(&self.astring(what)?).map_err(|_| NOT_UTF7.to_string())
    }

    fn optional_astring(&mut self) -> Option<String> {
        self.next().and_then(|t| t.astring())
    }

    fn atom(&mut self, what: &str) -> Result<String, Invalid> {
        match self.next() {
            Some(Token::Atom(a)) => Ok(a),
            _ => Err(format!("Missing or invalid {what}")),
        }
    }

    fn list(&mut self, what: &str) -> Result<Vec<Token>, Invalid> {
        match self.next() {
            Some(Token::List(items)) => Ok(items),
            _ => Err(format!("Missing or invalid {what}")),
        }
    }

    fn optional_list(&mut self) -> Option<Vec<Token>> {
        if matches!(self.0.front(), Some(Token::List(_))) {
            match self.next() {
                Some(Token::List(items)) => Some(items),
                _ => None,
            }
        } else {
            None
        }
    }

    fn set(&mut self) -> Result<SequenceSet, Invalid> {
        let text = self.atom("sequence set")?;
        SequenceSet::parse(&text).map_err(str::to_string)
    }
}

fn number(token: Option<&Token>) -> Result<i64, Invalid> {
    token
        .and_then(Token::atom)
        .and_then(|a| a.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| "Invalid number".to_string())
}

fn list(args: &mut Args) -> Result<Command, Invalid> {
    let mut subscribed_only = false;
    let mut special_use = false;
    if let Some(selection) = args.optional_list() {
        for s in selection {
            match s.atom().map(str::to_ascii_uppercase).as_deref() {
                Some("SUBSCRIBED") => subscribed_only = true,
                Some("SPECIAL-USE") => special_use = true,
                Some("REMOTE" | "RECURSIVEMATCH") => {}
                _ => return Err("Unknown LIST selection option".into()),
            }
        }
    }
    let reference = args.folder("reference")?;
    let pattern = match args.next() {
        Some(Token::List(patterns)) => patterns
            .first()
            .and_then(Token::astring)
            .ok_or("Missing pattern")?,
        Some(t) => t.astring().ok_or("Missing pattern")?,
        None => return Err("Missing pattern".into()),
    };
    let pattern = utf7::decode(&pattern).map_err(|_| NOT_UTF7.to_string())?;
    if let Some(ret) = args.next() {
        if !ret.atom().is_some_and(|a| a.eq_ignore_ascii_case("RETURN")) {
            return Err("Expected RETURN".into());
        }
        let Some(Token::List(options)) = args.next() else {
            return Err("RETURN needs a list".into());
        };
        for o in options {
            match o.atom().map(str::to_ascii_uppercase).as_deref() {
                Some("SPECIAL-USE") => special_use = true,
                Some("SUBSCRIBED" | "CHILDREN") => {}
                _ => return Err("Unknown LIST return option".into()),
            }
        }
    }
    Ok(Command::List {
        reference,
        pattern,
        special_use,
        subscribed_only,
    })
}

fn status_item(name: &str) -> Result<StatusItem, Invalid> {
    Ok(match name.to_ascii_uppercase().as_str() {
        "MESSAGES" => StatusItem::Messages,
        "RECENT" => StatusItem::Recent,
        "UIDNEXT" => StatusItem::UidNext,
        "UIDVALIDITY" => StatusItem::UidValidity,
        "UNSEEN" => StatusItem::Unseen,
        "HIGHESTMODSEQ" => StatusItem::HighestModSeq,
        "SIZE" => StatusItem::Size,
        _ => return Err(format!("Unknown status item {name}")),
    })
}

/// The system flags; any other flag is a keyword.
pub const SYSTEM_FLAGS: [&str; 5] = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"];

fn flag_list(items: &[Token]) -> Result<Vec<String>, Invalid> {
    let flags = items
        .iter()
        .map(|t| t.atom().map(str::to_string).ok_or("Invalid flag"))
        .collect::<Result<Vec<_>, _>>()?;
    check_flags(flags)
}

/// Flags as stored: system flags in their canonical case, keywords as
/// given; `\Recent` and unknown system flags refused.
fn check_flags(flags: Vec<String>) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::new();
    for f in flags {
        let f = if f.starts_with('\\') {
            SYSTEM_FLAGS
                .iter()
                .find(|s| s.eq_ignore_ascii_case(&f))
                .map(|s| s.to_string())
                .ok_or_else(|| format!("Invalid flag {f}"))?
        } else if f.is_empty()
            || f.bytes()
                .any(|b| b"(){ %*\"\\]".contains(&b) || !(0x21..=0x7e).contains(&b))
        {
            return Err(format!("Invalid keyword {f}"));
        } else {
            f
        };
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&f)) {
            out.push(f);
        }
    }
    Ok(out)
}

fn fetch_items(token: Token) -> Result<Vec<FetchItem>, Invalid> {
    let names: Vec<String> = match token {
        Token::Atom(a) => match a.to_ascii_uppercase().as_str() {
            "ALL" => {
                return Ok(vec![
                    FetchItem::Flags,
                    FetchItem::InternalDate,
                    FetchItem::Size,
                    FetchItem::Envelope,
                ])
            }
            "FAST" => {
                return Ok(vec![
                    FetchItem::Flags,
                    FetchItem::InternalDate,
                    FetchItem::Size,
                ])
            }
            "FULL" => {
                return Ok(vec![
                    FetchItem::Flags,
                    FetchItem::InternalDate,
                    FetchItem::Size,
                    FetchItem::Envelope,
                    FetchItem::Body,
                ])
            }
            _ => vec![a],
        },
        Token::List(items) => items
            .into_iter()
            .map(|t| t.atom().map(str::to_string).ok_or("Invalid fetch item"))
            .collect::<Result<_, _>>()?,
        _ => return Err("Invalid fetch items".into()),
    };
    names.iter().map(|n| fetch_item(n)).collect()
}

fn fetch_item(name: &str) -> Result<FetchItem, Invalid> {
    let upper = name.to_ascii_uppercase();
    let legacy = |text: SectionText, peek: bool, as_name: &'static str| FetchItem::Section {
        section: Section {
            part: Vec::new(),
            text,
        },
        peek,
        partial: None,
        legacy: Some(as_name),
    };
    Ok(match upper.as_str() {
        "FLAGS" => FetchItem::Flags,
        "UID" => FetchItem::Uid,
        "INTERNALDATE" => FetchItem::InternalDate,
        "RFC822.SIZE" => FetchItem::Size,
        "ENVELOPE" => FetchItem::Envelope,
        "BODYSTRUCTURE" => FetchItem::BodyStructure,
        "BODY" => FetchItem::Body,
        "MODSEQ" => FetchItem::ModSeq,
        "RFC822" => legacy(SectionText::Full, false, "RFC822"),
        "RFC822.HEADER" => legacy(SectionText::Header, true, "RFC822.HEADER"),
        "RFC822.TEXT" => legacy(SectionText::Text, false, "RFC822.TEXT"),
        _ => {
            let (peek, rest) = if let Some(r) = upper.strip_prefix("BODY.PEEK[") {
                (true, r)
            } else if let Some(r) = upper.strip_prefix("BODY[") {
                (false, r)
            } else {
                return Err(format!("Unknown fetch item {name}"));
            };
            let close = rest.find(']').ok_or("Unclosed section")?;
            let section = section(&rest[..close])?;
            let after = &rest[close + 1..];
            let partial = if after.is_empty() {
                None
            } else {
                let inner = after
                    .strip_prefix('<')
                    .and_then(|a| a.strip_suffix('>'))
                    .ok_or("Invalid partial")?;
                let (start, len) = inner.split_once('.').ok_or("Invalid partial")?;
                let start = start.parse().map_err(|_| "Invalid partial")?;
                let len: u64 = len.parse().map_err(|_| "Invalid partial")?;
                if len == 0 {
                    return Err("Invalid partial".into());
                }
                Some((start, len))
            };
            FetchItem::Section {
                section,
                peek,
                partial,
                legacy: None,
            }
        }
    })
}

fn section(spec: &str) -> Result<Section, Invalid> {
    let mut part = Vec::new();
    let mut rest = spec;
    while let Some(c) = rest.chars().next() {
        if !c.is_ascii_digit() {
            break;
        }
        let end = rest.find('.').unwrap_or(rest.len());
        let n: u32 = rest[..end].parse().map_err(|_| "Invalid section")?;
        if n == 0 {
            return Err("Invalid section".into());
        }
        part.push(n);
        rest = rest.get(end + 1..).unwrap_or("");
    }
    let text = match rest {
        "" => SectionText::Full,
        "HEADER" => SectionText::Header,
        "TEXT" => SectionText::Text,
        "MIME" if !part.is_empty() => SectionText::Mime,
        _ => {
            let (kind, fields) = if let Some(f) = rest.strip_prefix("HEADER.FIELDS.NOT ") {
                (false, f)
            } else if let Some(f) = rest.strip_prefix("HEADER.FIELDS ") {
                (true, f)
            } else {
                return Err("Invalid section".into());
            };
            let fields: Vec<String> = fields
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split_whitespace()
                .map(|f| f.trim_matches('"').to_string())
                .collect();
            if fields.is_empty() {
                return Err("HEADER.FIELDS needs field names".into());
            }
            if kind {
                SectionText::HeaderFields(fields)
            } else {
                SectionText::HeaderFieldsNot(fields)
            }
        }
    };
    Ok(Section { part, text })
}

fn search_key(
    it: &mut std::iter::Peekable<std::vec::IntoIter<Token>>,
    depth: usize,
) -> Result<SearchKey, Invalid> {
    if depth > 16 {
        return Err("Search nested too deep".into());
    }
    let token = it.next().ok_or("Missing search key")?;
    let name = match token {
        Token::List(items) => {
            let mut inner = items.into_iter().peekable();
            let mut keys = Vec::new();
            while inner.peek().is_some() {
                keys.push(search_key(&mut inner, depth + 1)?);
            }
            if keys.is_empty() {
                return Err("Empty search list".into());
            }
            return Ok(SearchKey::And(keys));
        }
        Token::Atom(a) => a,
        _ => return Err("Invalid search key".into()),
    };
    let mut string = |what: &str| -> Result<String, Invalid> {
        it.next()
            .and_then(|t| t.astring())
            .ok_or_else(|| format!("{what} needs a string"))
    };
    let upper = name.to_ascii_uppercase();
    let flag = |f: &str, set: bool| SearchKey::Flag(f.to_string(), set);
    Ok(match upper.as_str() {
        "ALL" => SearchKey::All,
        "ANSWERED" => flag("\\Answered", true),
        "UNANSWERED" => flag("\\Answered", false),
        "DELETED" => flag("\\Deleted", true),
        "UNDELETED" => flag("\\Deleted", false),
        "DRAFT" => flag("\\Draft", true),
        "UNDRAFT" => flag("\\Draft", false),
        "FLAGGED" => flag("\\Flagged", true),
        "UNFLAGGED" => flag("\\Flagged", false),
        "SEEN" => flag("\\Seen", true),
        "UNSEEN" => flag("\\Seen", false),
        "KEYWORD" => SearchKey::Flag(string("KEYWORD")?, true),
        "UNKEYWORD" => SearchKey::Flag(string("UNKEYWORD")?, false),
        "NEW" => SearchKey::New,
        "OLD" => SearchKey::Old,
        "RECENT" => SearchKey::Recent,
        "BCC" | "CC" | "FROM" | "TO" | "SUBJECT" => {
            let field = upper.clone();
            SearchKey::Header(field, string(&upper)?)
        }
        "HEADER" => {
            let field = string("HEADER")?;
            SearchKey::Header(field.to_ascii_uppercase(), string("HEADER")?)
        }
        "BODY" => SearchKey::Body(string("BODY")?),
        "TEXT" => SearchKey::Text(string("TEXT")?),
        "BEFORE" | "ON" | "SINCE" | "SENTBEFORE" | "SENTON" | "SENTSINCE" => {
            let day = parse_date(&string(&upper)?)?;
            match upper.as_str() {
                "BEFORE" => SearchKey::Before(day),
                "ON" => SearchKey::On(day),
                "SINCE" => SearchKey::Since(day),
                "SENTBEFORE" => SearchKey::SentBefore(day),
                "SENTON" => SearchKey::SentOn(day),
                _ => SearchKey::SentSince(day),
            }
        }
        "LARGER" | "SMALLER" => {
            let n: u64 = string(&upper)?
                .parse()
                .map_err(|_| format!("{upper} needs a number"))?;
            if upper == "LARGER" {
                SearchKey::Larger(n)
            } else {
                SearchKey::Smaller(n)
            }
        }
        "MODSEQ" => {
            // RFC 7162: MODSEQ [entry-name entry-type] value.
            let mut value = string("MODSEQ")?;
            if value.starts_with('"') || value.starts_with('/') || value.parse::<i64>().is_err() {
                let _type = string("MODSEQ")?;
                value = string("MODSEQ")?;
            }
            SearchKey::ModSeq(value.parse().map_err(|_| "MODSEQ needs a number")?)
        }
        "UID" => SearchKey::Uid(SequenceSet::parse(&string("UID")?).map_err(str::to_string)?),
        "NOT" => SearchKey::Not(Box::new(search_key(it, depth + 1)?)),
        "OR" => {
            let a = search_key(it, depth + 1)?;
            let b = search_key(it, depth + 1)?;
            SearchKey::Or(Box::new(a), Box::new(b))
        }
        _ => match SequenceSet::parse(&name) {
            Ok(set) => SearchKey::Seq(set),
            Err(_) => return Err(format!("Unknown search key {name}")),
        },
    })
}

/// An IMAP date (`1-Feb-2026`) as days since the epoch.
pub fn parse_date(text: &str) -> Result<i64, Invalid> {
    let bad = || format!("Invalid date {text}");
    let mut parts = text.trim().split('-');
    let day: u32 = parts.next().and_then(|d| d.parse().ok()).ok_or_else(bad)?;
    let month = parts.next().ok_or_else(bad)?;
    let year: i32 = parts.next().and_then(|y| y.parse().ok()).ok_or_else(bad)?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))
        .ok_or_else(bad)? as u32
        + 1;
    if !(1..=31).contains(&day) || parts.next().is_some() {
        return Err(bad());
    }
    Ok(days_from_civil(year, month, day))
}

pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm; a date crate would be a dependency for three lines).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn command(line: &str) -> Result<Command, Invalid> {
        Command::from_parsed(parse(format!("t {line}\r\n").as_bytes()).unwrap())
    }

    fn ok(line: &str) -> Command {
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
        assert_eq!(ok("CREATE Work/2026"), Command::Create("Work/2026".into()));
        assert_eq!(ok("DELETE Work"), Command::Delete("Work".into()));
        assert_eq!(
            ok("CREATE Entw&APw-rfe/&ZeVnLIqe-"),
            Command::Create("Entwürfe/日本語".into())
        );
        assert_eq!(ok("RENAME a b"), Command::Rename("a".into(), "b".into()));
        assert_eq!(ok("SUBSCRIBE a"), Command::Subscribe("a".into()));
        assert_eq!(ok("UNSUBSCRIBE a"), Command::Unsubscribe("a".into()));
        assert_eq!(
            ok("STATUS INBOX (MESSAGES UIDNEXT UNSEEN HIGHESTMODSEQ)"),
            Command::Status {
                mailbox: "INBOX".into(),
                items: vec![
                    StatusItem::Messages,
                    StatusItem::UidNext,
                    StatusItem::Unseen,
                    StatusItem::HighestModSeq
                ]
            }
        );
        assert_eq!(
            ok("EXAMINE INBOX (CONDSTORE)"),
            Command::Select {
                mailbox: "INBOX".into(),
                read_only: true,
                condstore: true
            }
        );
        assert_eq!(
            ok("LIST \"\" * RETURN (SPECIAL-USE)"),
            Command::List {
                reference: String::new(),
                pattern: "*".into(),
                special_use: true,
                subscribed_only: false
            }
        );
        assert_eq!(
            ok("LSUB \"\" %"),
            Command::Lsub {
                reference: String::new(),
                pattern: "%".into()
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
    fn fetch_and_store() {
        let Command::Fetch { items, uid, changed_since, .. } =
            ok("UID FETCH 1:* (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From \"To\")]<10.20> RFC822.SIZE) (CHANGEDSINCE 7)")
        else {
            panic!()
        };
        assert!(uid);
        assert_eq!(changed_since, Some(7));
        assert_eq!(
            items,
            [
                FetchItem::Flags,
                FetchItem::Section {
                    section: Section {
                        part: vec![1, 2],
                        text: SectionText::HeaderFields(vec!["FROM".into(), "TO".into()])
                    },
                    peek: true,
                    partial: Some((10, 20)),
                    legacy: None
                },
                FetchItem::Size
            ]
        );
        let Command::Fetch { items, .. } = ok("FETCH 1 FAST") else {
            panic!()
        };
        assert_eq!(items.len(), 3);
        let Command::Fetch { items, .. } = ok("FETCH 1 BODY[]") else {
            panic!()
        };
        assert!(
            matches!(&items[0], FetchItem::Section { peek: false, section, .. } if section.part.is_empty())
        );
        assert_eq!(
            ok("STORE 1:2 +FLAGS.SILENT (\\seen $Work)"),
            Command::Store {
                set: SequenceSet::parse("1:2").unwrap(),
                uid: false,
                mode: StoreMode::Add,
                silent: true,
                flags: vec!["\\Seen".into(), "$Work".into()],
                unchanged_since: None
            }
        );
        assert!(matches!(
            ok("UID STORE 4 (UNCHANGEDSINCE 9) FLAGS \\Deleted"),
            Command::Store {
                mode: StoreMode::Replace,
                unchanged_since: Some(9),
                ..
            }
        ));
    }

    #[test]
    fn append_and_search() {
        let p = parse(b"t APPEND Sent (\\Seen) \"01-Feb-2026 10:00:00 +0000\" {5}\r\nhello\r\n")
            .unwrap();
        assert_eq!(
            Command::from_parsed(p).unwrap(),
            Command::Append {
                mailbox: "Sent".into(),
                flags: vec!["\\Seen".into()],
                date: Some("01-Feb-2026 10:00:00 +0000".into()),
                message: b"hello".to_vec()
            }
        );
        assert_eq!(
            ok("SEARCH UNSEEN FROM zoe"),
            Command::Search {
                uid: false,
                key: SearchKey::And(vec![
                    SearchKey::Flag("\\Seen".into(), false),
                    SearchKey::Header("FROM".into(), "zoe".into())
                ])
            }
        );
        assert_eq!(
            ok("UID SEARCH CHARSET UTF-8 OR SEEN NOT 2:4"),
            Command::Search {
                uid: true,
                key: SearchKey::Or(
                    Box::new(SearchKey::Flag("\\Seen".into(), true)),
                    Box::new(SearchKey::Not(Box::new(SearchKey::Seq(
                        SequenceSet::parse("2:4").unwrap()
                    ))))
                )
            }
        );
        assert_eq!(
            ok("SEARCH SINCE 1-Feb-2026"),
            Command::Search {
                uid: false,
                key: SearchKey::Since(days_from_civil(2026, 2, 1))
            }
        );
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn bad_arguments_are_named() {
        let err = |l: &str| command(l).unwrap_err();
        assert_eq!(err("FROB"), "Unknown command");
        assert_eq!(err("UID FROB 1"), "Unknown UID command");
        assert_eq!(err("LOGIN zoe"), "Missing or invalid password");
        assert_eq!(err("NOOP extra"), "Too many arguments");
        assert_eq!(err("FETCH 0 FLAGS"), "Invalid sequence set");
        assert_eq!(err("FETCH 1 (FROB)"), "Unknown fetch item FROB");
        assert_eq!(
            err("FETCH 1 BODY[HEADER.FIELDS ()]"),
            "HEADER.FIELDS needs field names"
        );
        assert_eq!(err("STORE 1 FLAGS (\\Recent)"), "Invalid flag \\Recent");
        assert_eq!(
            err("STORE 1 XFLAGS (\\Seen)"),
            "STORE takes FLAGS, +FLAGS or -FLAGS"
        );
        assert_eq!(err("SEARCH FROB"), "Unknown search key FROB");
        assert_eq!(err("SEARCH SINCE 31-Foo-2026"), "Invalid date 31-Foo-2026");
        assert!(err("SEARCH CHARSET KOI8-R ALL").contains("BADCHARSET"));
        assert_eq!(err("APPEND INBOX"), "APPEND needs the message as a literal");
        assert_eq!(err("STATUS INBOX (FROB)"), "Unknown status item FROB");
        assert_eq!(err("CREATE \"Tom & Jerry\""), NOT_UTF7);
        assert_eq!(err("RENAME a b&APw"), NOT_UTF7);
        assert_eq!(err("SELECT {3+}\r\nx\u{e9}"), NOT_UTF7);
        assert_eq!(err("LIST \"\" \"&AGE-*\""), NOT_UTF7);
    }
}
