//! IMAP command syntax (RFC 9051 9): a command line with its literals
//! already read in, split into tokens. Hand-written: the maintained IMAP
//! crates are client-side or pull in a whole server framework.

/// One argument of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// An atom, or anything sent bare: sequence sets, flags, fetch items
    /// such as `BODY.PEEK[HEADER.FIELDS (FROM)]<0.100>`, LIST patterns.
    Atom(String),
    /// A quoted string, unescaped.
    Quoted(String),
    /// A literal's octets.
    Literal(Vec<u8>),
    /// A parenthesised list.
    List(Vec<Token>),
}

impl Token {
    /// The token as a string (atom, quoted or literal), as IMAP's `astring`.
    pub fn astring(&self) -> Option<String> {
        match self {
            Token::Atom(a) => Some(a.clone()),
            Token::Quoted(q) => Some(q.clone()),
            Token::Literal(l) => String::from_utf8(l.clone()).ok(),
            Token::List(_) => None,
        }
    }

    pub fn atom(&self) -> Option<&str> {
        match self {
            Token::Atom(a) => Some(a),
            _ => None,
        }
    }
}

/// A literal announced at the end of a line: `{n}` or `{n+}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiteralAnnounce {
    pub size: usize,
    /// LITERAL+ (RFC 7888): the client sends it without waiting.
    pub non_sync: bool,
}

/// If `line` (CRLF included or not) ends by announcing a literal, which.
pub fn literal_at_end(line: &[u8]) -> Option<LiteralAnnounce> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let mut digits = &inner[open + 1..];
    let non_sync = digits.ends_with(b"+");
    if non_sync {
        digits = &digits[..digits.len() - 1];
    }
    if digits.is_empty() || digits.len() > 12 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let size = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(LiteralAnnounce { size, non_sync })
}

/// A command split into tag, name and arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub tag: String,
    pub name: String,
    pub args: Vec<Token>,
}

/// Why a command could not be split up; `tag` when one was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub tag: Option<String>,
    pub reason: &'static str,
}

/// Splits a whole command (literals inline, as read) into its parts.
pub fn parse(input: &[u8]) -> Result<Parsed, SyntaxError> {
    let mut p = Parser { input, pos: 0 };
    let tag = p.word();
    if tag.is_empty() || !tag.bytes().all(is_tag_char) {
        return Err(SyntaxError {
            tag: None,
            reason: "Missing or invalid tag",
        });
    }
    let err = |reason| SyntaxError {
        tag: Some(tag.clone()),
        reason,
    };
    if !p.eat(b' ') {
        return Err(err("Missing command"));
    }
    let name = p.word().to_ascii_uppercase();
    if name.is_empty() {
        return Err(err("Missing command"));
    }
    let args = p.tokens(0).map_err(err)?;
    if !p.at_end() {
        return Err(err("Unexpected characters at the end of the command"));
    }
    Ok(Parsed { tag, name, args })
}

fn is_tag_char(b: u8) -> bool {
    b > b' ' && b < 0x7f && !b"(){%*\"\\+".contains(&b)
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

/// Lists nest at most this deep (a SEARCH with parentheses, say).
const MAX_DEPTH: usize = 16;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn at_end(&self) -> bool {
        matches!(&self.input[self.pos..], b"" | b"\r\n" | b"\n")
    }

    /// Up to the next space or line end.
    fn word(&mut self) -> String {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b == b' ' || b == b'\r' || b == b'\n' {
                break;
            }
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.input[start..self.pos]).into_owned()
    }

    /// Tokens separated by single spaces, until a `)` (inside a list) or
    /// the end.
    fn tokens(&mut self, depth: usize) -> Result<Vec<Token>, &'static str> {
        let mut out = Vec::new();
        loop {
            if self.at_end() || (depth > 0 && self.peek() == Some(b')')) {
                return Ok(out);
            }
            if !out.is_empty() || depth == 0 {
                if !self.eat(b' ') {
                    if depth > 0 && out.is_empty() {
                        // "(" directly followed by a token.
                    } else {
                        return Err("Expected a space between arguments");
                    }
                }
                if self.at_end() {
                    return Err("Trailing space");
                }
            }
            out.push(self.token(depth)?);
        }
    }

    fn token(&mut self, depth: usize) -> Result<Token, &'static str> {
        match self.peek() {
            Some(b'(') => {
                if depth >= MAX_DEPTH {
                    return Err("Lists nested too deep");
                }
                self.pos += 1;
                let items = self.tokens(depth + 1)?;
                if !self.eat(b')') {
                    return Err("Unclosed list");
                }
                Ok(Token::List(items))
            }
            Some(b'"') => self.quoted().map(Token::Quoted),
            Some(b'{') => self.literal().map(Token::Literal),
            Some(b')') => Err("Unexpected )"),
            Some(_) => self.atom().map(Token::Atom),
            None => Err("Missing argument"),
        }
    }

    fn quoted(&mut self) -> Result<String, &'static str> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\r') | Some(b'\n') => return Err("Unterminated quoted string"),
                Some(b'"') => {
                    self.pos += 1;
                    return String::from_utf8(out).map_err(|_| "Quoted string is not UTF-8");
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => out.push(c),
                        _ => return Err("Bad escape in quoted string"),
                    }
                    self.pos += 1;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `{n}` or `{n+}`, CRLF, then n octets (as the reader put them).
    fn literal(&mut self) -> Result<Vec<u8>, &'static str> {
        let rest = &self.input[self.pos..];
        let close = rest.iter().position(|&b| b == b'}').ok_or("Bad literal")?;
        let announce = literal_at_end(&rest[..=close]).ok_or("Bad literal")?;
        self.pos += close + 1;
        if !self.eat(b'\r') {
            // A bare LF is taken too.
        }
        if !self.eat(b'\n') {
            return Err("Literal announce not at the end of a line");
        }
        let end = self.pos + announce.size;
        let data = self
            .input
            .get(self.pos..end)
            .ok_or("Literal shorter than announced")?;
        self.pos = end;
        Ok(data.to_vec())
    }

    /// An atom; a `[` opens a section read to its `]` whatever it holds
    /// (spaces and parentheses of HEADER.FIELDS included), and `<...>` may
    /// follow it.
    fn atom(&mut self) -> Result<String, &'static str> {
        let start = self.pos;
        let mut brackets = 0usize;
        while let Some(b) = self.peek() {
            match b {
                b'[' => brackets += 1,
                b']' if brackets > 0 => brackets -= 1,
                b'\r' | b'\n' => break,
                b' ' | b'(' | b')' if brackets == 0 => break,
                b'"' | b'{' if brackets == 0 => return Err("Unexpected character in atom"),
                0..=0x1f | 0x7f => return Err("Control character in atom"),
                _ => {}
            }
            self.pos += 1;
        }
        if brackets > 0 {
            return Err("Unclosed [");
        }
        if self.pos == start {
            return Err("Empty atom");
        }
        String::from_utf8(self.input[start..self.pos].to_vec()).map_err(|_| "Atom is not UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(s: &str) -> Token {
        Token::Atom(s.into())
    }

    #[test]
    fn commands_split_into_tokens() {
        let p =
            parse(b"a1 fetch 1:*,3 (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>)\r\n").unwrap();
        assert_eq!(p.tag, "a1");
        assert_eq!(p.name, "FETCH");
        assert_eq!(
            p.args,
            [
                atom("1:*,3"),
                Token::List(vec![
                    atom("FLAGS"),
                    atom("BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>")
                ])
            ]
        );
        let p = parse(b"t LOGIN \"zo\\\"e\" {5}\r\nse cr\r\n").unwrap();
        assert_eq!(
            p.args,
            [
                Token::Quoted("zo\"e".into()),
                Token::Literal(b"se cr".to_vec())
            ]
        );
        let p = parse(b"t APPEND INBOX (\\Seen) {3+}\r\nabc\r\n").unwrap();
        assert_eq!(
            p.args,
            [
                atom("INBOX"),
                Token::List(vec![atom("\\Seen")]),
                Token::Literal(b"abc".to_vec())
            ]
        );
        let p = parse(b"t LIST \"\" %\r\n").unwrap();
        assert_eq!(p.args, [Token::Quoted(String::new()), atom("%")]);
        let p = parse(b"t NOOP\r\n").unwrap();
        assert!(p.args.is_empty());
        let p = parse(b"t SEARCH NOT (OR SEEN FLAGGED) ()\r\n").unwrap();
        assert_eq!(
            p.args,
            [
                atom("NOT"),
                Token::List(vec![atom("OR"), atom("SEEN"), atom("FLAGGED")]),
                Token::List(vec![])
            ]
        );
    }

    #[test]
    fn bad_syntax_is_named() {
        let reason = |s: &[u8]| parse(s).unwrap_err().reason;
        assert_eq!(parse(b"\r\n").unwrap_err().tag, None);
        assert_eq!(parse(b"a+b NOOP\r\n").unwrap_err().tag, None);
        assert_eq!(reason(b"a1\r\n"), "Missing command");
        assert_eq!(reason(b"a1 FETCH (FLAGS\r\n"), "Unclosed list");
        assert_eq!(reason(b"a1 LOGIN \"zoe\r\n"), "Unterminated quoted string");
        assert_eq!(reason(b"a1 LOGIN  zoe\r\n"), "Empty atom");
        assert_eq!(reason(b"a1 LOGIN zoe \r\n"), "Trailing space");
        assert_eq!(reason(b"a1 X {9}\r\nabc"), "Literal shorter than announced");
        assert_eq!(reason(b"a1 FETCH 1 BODY[\r\n"), "Unclosed [");
        assert_eq!(reason(b"a1 X a)\r\n"), "Expected a space between arguments");
        let deep = format!("a1 SEARCH {}\r\n", "(".repeat(40));
        assert_eq!(reason(deep.as_bytes()), "Lists nested too deep");
        assert_eq!(
            parse(b"a1 FETCH (FLAGS\r\n").unwrap_err().tag.as_deref(),
            Some("a1")
        );
    }

    #[test]
    fn literal_announces() {
        assert_eq!(
            literal_at_end(b"a APPEND INBOX {12}\r\n"),
            Some(LiteralAnnounce {
                size: 12,
                non_sync: false
            })
        );
        assert_eq!(
            literal_at_end(b"a LOGIN {3+}"),
            Some(LiteralAnnounce {
                size: 3,
                non_sync: true
            })
        );
        assert_eq!(literal_at_end(b"a LOGIN {}\r\n"), None);
        assert_eq!(literal_at_end(b"a LOGIN {x}\r\n"), None);
        assert_eq!(literal_at_end(b"a NOOP\r\n"), None);
    }
}
