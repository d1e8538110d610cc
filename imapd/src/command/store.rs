//! STORE's arguments, and the flag lists STORE and APPEND take: system
//! flags in their canonical case, keywords checked as atoms.

use mismo_core::model::Flag;

use super::args::Args;
use super::{Command, Invalid, StoreMode};
use crate::parse::Token;

pub(super) fn store(args: &mut Args, uid: bool) -> Result<Command, Invalid> {
    let set = args.set()?;
    let unchanged_since = args.modifier("UNCHANGEDSINCE", "STORE")?;
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
    Ok(Command::Store {
        set,
        uid,
        mode,
        silent,
        flags,
        unchanged_since,
    })
}

pub(super) fn flag_list(items: &[Token]) -> Result<Vec<String>, Invalid> {
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
            Flag::parse(&f)
                .map(String::from)
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

#[cfg(test)]
mod tests {
    use super::super::tests::{command, ok};
    use super::*;
    use crate::sequence::SequenceSet;

    #[test]
    fn store_modes_and_flags() {
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
    fn bad_store_arguments_are_named() {
        let err = |l: &str| command(l).unwrap_err();
        assert_eq!(err("STORE 1 FLAGS (\\Recent)"), "Invalid flag \\Recent");
        assert_eq!(
            err("STORE 1 XFLAGS (\\Seen)"),
            "STORE takes FLAGS, +FLAGS or -FLAGS"
        );
        assert_eq!(err("STORE 1 FLAGS (\\Foo)"), "Invalid flag \\Foo");
    }
}
