//! FETCH's arguments: the items (with the ALL, FAST and FULL macros and
//! the RFC 822 names), body sections and partial ranges, and CHANGEDSINCE.

use super::args::Args;
use super::{Command, FetchItem, Invalid, Section, SectionText};
use crate::parse::Token;

pub(super) fn fetch(args: &mut Args, uid: bool) -> Result<Command, Invalid> {
    let set = args.set()?;
    let items = fetch_items(args.next().ok_or("Missing fetch items")?)?;
    let changed_since = args.modifier("CHANGEDSINCE", "FETCH")?;
    Ok(Command::Fetch {
        set,
        uid,
        items,
        changed_since,
    })
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

#[cfg(test)]
mod tests {
    use super::super::tests::{command, ok};
    use super::*;

    #[test]
    fn fetch_items_sections_and_partials() {
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
    }

    #[test]
    fn bad_fetch_arguments_are_named() {
        let err = |l: &str| command(l).unwrap_err();
        assert_eq!(err("FETCH 0 FLAGS"), "Invalid sequence set");
        assert_eq!(err("FETCH 1 (FROB)"), "Unknown fetch item FROB");
        assert_eq!(
            err("FETCH 1 BODY[HEADER.FIELDS ()]"),
            "HEADER.FIELDS needs field names"
        );
        assert_eq!(err("FETCH 1 FLAGS (FROB 1)"), "Unknown FETCH modifier");
    }
}
