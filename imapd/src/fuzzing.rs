//! The bodies of the `imap_command` and `mime` fuzz targets
//! (fuzz/fuzz_targets), also run by the test that replays every input the
//! fuzzer ever crashed on (tests/fuzz_regressions.rs).

use mail_parser::MessageParser;

use crate::command::Command;
use crate::parse::{literal_at_end, parse, SyntaxError};
use crate::sequence::SequenceSet;
use crate::{fetch_data, utf7};

/// A command as the connection hands it over (literals inline): split,
/// typed, and its pieces checked. Only the tag of a command ever goes back
/// to the client verbatim, so it must be one the client could have sent.
pub fn command(input: &[u8]) {
    let _ = literal_at_end(input);
    match parse(input) {
        Ok(parsed) => {
            assert_tag(&parsed.tag);
            for token in &parsed.args {
                if let Some(text) = token.atom() {
                    if let Ok(set) = SequenceSet::parse(text) {
                        let largest = set.largest_number().unwrap_or(1);
                        let _ = set.contains(largest, largest);
                    }
                }
                if let Some(name) = token.astring() {
                    let _ = utf7::decode(&name);
                }
            }
            let _ = Command::from_parsed(parsed);
        }
        Err(SyntaxError { tag: Some(tag), .. }) => assert_tag(&tag),
        Err(_) => {}
    }
    // Folder names: whatever is encoded decodes to itself.
    if let Ok(text) = std::str::from_utf8(input) {
        let wire = utf7::encode(text);
        assert!(wire.is_ascii(), "{wire:?}");
        assert_eq!(utf7::decode(&wire).as_deref(), Ok(text), "{wire:?}");
    }
}

fn assert_tag(tag: &str) {
    assert!(
        !tag.is_empty() && tag.bytes().all(|b| b > b' ' && b < 0x7f),
        "tag {tag:?} echoed back"
    );
}

/// A message as delivered: summarised for listings (mismo-core), and its
/// ENVELOPE, BODY and BODYSTRUCTURE as FETCH sends them, each of which must
/// read back as one well-formed IMAP list, whatever the headers held.
pub fn mime(input: &[u8]) {
    let (headers, attachments) = mismo_core::summary::summarize(input);
    for attachment in &attachments {
        assert!(attachment.size >= 0);
        assert!(!attachment.content_type.is_empty());
    }
    drop(headers);
    let Some(message) = MessageParser::default().parse(input) else {
        return;
    };
    for (what, text) in [
        ("ENVELOPE", fetch_data::envelope(&message)),
        ("BODY", fetch_data::body_structure(&message, false)),
        ("BODYSTRUCTURE", fetch_data::body_structure(&message, true)),
    ] {
        let mut reader = Response {
            text: text.as_bytes(),
            pos: 0,
        };
        if let Err(e) = reader.list().and_then(|()| reader.end()) {
            panic!("{what} is not one well-formed list ({e}): {text:?}");
        }
    }
}

/// Reads server data as RFC 9051 9 writes it: lists, quoted strings,
/// literals and atoms. Unlike a command, data may put one list right after
/// another without a space (`env-from`'s addresses, a multipart's bodies).
struct Response<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Response<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn end(&self) -> Result<(), String> {
        match self.pos == self.text.len() {
            true => Ok(()),
            false => Err(format!("text after the list at {}", self.pos)),
        }
    }

    fn list(&mut self) -> Result<(), String> {
        if self.peek() != Some(b'(') {
            return Err(format!("no list at {}", self.pos));
        }
        self.pos += 1;
        let mut first = true;
        loop {
            match self.peek() {
                Some(b')') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b' ') if !first => self.pos += 1,
                Some(b'(') if self.text[self.pos - 1] == b')' => {}
                _ if first => {}
                _ => return Err(format!("no space between items at {}", self.pos)),
            }
            first = false;
            self.item()?;
        }
    }

    fn item(&mut self) -> Result<(), String> {
        match self.peek() {
            Some(b'(') => self.list(),
            Some(b'"') => {
                self.pos += 1;
                loop {
                    match self.peek() {
                        Some(b'"') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        Some(b'\\')
                            if matches!(self.text.get(self.pos + 1), Some(b'"' | b'\\')) =>
                        {
                            self.pos += 2
                        }
                        Some(b'\r' | b'\n' | b'\\' | 0) | None => {
                            return Err(format!("bad quoted string at {}", self.pos))
                        }
                        Some(_) => self.pos += 1,
                    }
                }
            }
            Some(b'{') => {
                let close = self.text[self.pos..]
                    .iter()
                    .position(|&b| b == b'}')
                    .ok_or("unclosed literal size")?;
                let digits = std::str::from_utf8(&self.text[self.pos + 1..self.pos + close])
                    .map_err(|_| "bad literal size")?;
                let size: usize = digits.parse().map_err(|_| "bad literal size")?;
                self.pos += close + 1;
                if !self.text[self.pos..].starts_with(b"\r\n") {
                    return Err("no CRLF after a literal's size".into());
                }
                self.pos += 2 + size;
                if self.pos > self.text.len() {
                    return Err("literal shorter than announced".into());
                }
                Ok(())
            }
            _ => {
                let start = self.pos;
                while let Some(b) = self.peek() {
                    if b <= b' ' || b >= 0x7f || b"(){%*\"\\]".contains(&b) {
                        break;
                    }
                    self.pos += 1;
                }
                match self.pos > start {
                    true => Ok(()),
                    false => Err(format!("bad atom at {}", self.pos)),
                }
            }
        }
    }
}
