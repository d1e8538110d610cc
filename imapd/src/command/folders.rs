//! Arguments of the folder commands: LIST (with LIST-EXTENDED's selection
//! and return options), STATUS's items and SELECT's parameters.

use super::args::Args;
use super::{Command, Invalid, StatusItem, NOT_UTF7};
use crate::parse::Token;
use crate::utf7;

pub(super) fn list(args: &mut Args) -> Result<Command, Invalid> {
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

/// SELECT or EXAMINE, with RFC 7162's CONDSTORE parameter.
pub(super) fn select(args: &mut Args, read_only: bool) -> Result<Command, Invalid> {
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
    Ok(Command::Select {
        mailbox,
        read_only,
        condstore,
    })
}

pub(super) fn status(args: &mut Args) -> Result<Command, Invalid> {
    let mailbox = args.folder("folder name")?;
    let items = args
        .list("status items")?
        .iter()
        .map(|t| status_item(t.atom().unwrap_or("")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Command::Status { mailbox, items })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{command, ok};
    use super::*;

    #[test]
    fn folder_commands() {
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
    }

    #[test]
    fn bad_folder_arguments_are_named() {
        let err = |l: &str| command(l).unwrap_err();
        assert_eq!(err("STATUS INBOX (FROB)"), "Unknown status item FROB");
        assert_eq!(err("CREATE \"Tom & Jerry\""), NOT_UTF7);
        assert_eq!(err("RENAME a b&APw"), NOT_UTF7);
        assert_eq!(err("SELECT {3+}\r\nx\u{e9}"), NOT_UTF7);
        assert_eq!(err("LIST \"\" \"&AGE-*\""), NOT_UTF7);
    }
}
