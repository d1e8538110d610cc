//! SEARCH's arguments: the charset and the search keys (RFC 9051 6.4.4,
//! with RFC 7162's MODSEQ), nested at most 16 deep.

use mismo_core::model::Flag;

use super::args::Args;
use super::{Command, Invalid, SearchKey};
use crate::date::parse_date;
use crate::parse::Token;
use crate::sequence::SequenceSet;

pub(super) fn search(args: &mut Args, uid: bool) -> Result<Command, Invalid> {
    let mut rest = args.rest();
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
    let key = if keys.len() == 1 {
        keys.pop().expect("one key")
    } else {
        SearchKey::And(keys)
    };
    if crate::search::content_keys(&key) > crate::search::MAX_CONTENT_KEYS {
        return Err(format!(
            "[LIMIT] At most {} keys may look inside messages",
            crate::search::MAX_CONTENT_KEYS
        ));
    }
    Ok(Command::Search { uid, key })
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
    let flag = |f: Flag, set: bool| SearchKey::Flag(f.into(), set);
    Ok(match upper.as_str() {
        "ALL" => SearchKey::All,
        "ANSWERED" => flag(Flag::Answered, true),
        "UNANSWERED" => flag(Flag::Answered, false),
        "DELETED" => flag(Flag::Deleted, true),
        "UNDELETED" => flag(Flag::Deleted, false),
        "DRAFT" => flag(Flag::Draft, true),
        "UNDRAFT" => flag(Flag::Draft, false),
        "FLAGGED" => flag(Flag::Flagged, true),
        "UNFLAGGED" => flag(Flag::Flagged, false),
        "SEEN" => flag(Flag::Seen, true),
        "UNSEEN" => flag(Flag::Seen, false),
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

#[cfg(test)]
mod tests {
    use super::super::tests::{command, ok};
    use super::*;

    #[test]
    fn search_keys() {
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
                key: SearchKey::Since(crate::date::midnight(2026, 2, 1) / 86_400)
            }
        );
    }

    #[test]
    fn bad_search_arguments_are_named() {
        let err = |l: &str| command(l).unwrap_err();
        assert_eq!(err("SEARCH FROB"), "Unknown search key FROB");
        assert_eq!(err("SEARCH SINCE 31-Foo-2026"), "Invalid date 31-Foo-2026");
        assert!(err("SEARCH CHARSET KOI8-R ALL").contains("BADCHARSET"));
        let many = vec!["NOT BODY zzz"; 33].join(" ");
        assert!(err(&format!("SEARCH {many}")).starts_with("[LIMIT] "));
        assert!(command(&format!("SEARCH {}", vec!["BODY a"; 32].join(" "))).is_ok());
    }
}
