//! APPEND's arguments: the folder, optional flags and date-time, and the
//! message as a literal.

use super::args::Args;
use super::store::flag_list;
use super::{Command, Invalid};
use crate::parse::Token;

pub(super) fn append(args: &mut Args) -> Result<Command, Invalid> {
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
    Ok(Command::Append {
        mailbox,
        flags,
        date,
        message: message.ok_or("APPEND needs the message as a literal")?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::command;
    use super::*;
    use crate::parse::parse;

    #[test]
    fn append_takes_flags_a_date_and_a_literal() {
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
        let err = |l: &str| command(l).unwrap_err();
        assert_eq!(err("APPEND INBOX"), "APPEND needs the message as a literal");
    }
}
