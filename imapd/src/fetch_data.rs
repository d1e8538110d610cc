//! What FETCH returns from a message's bytes: ENVELOPE, BODYSTRUCTURE and
//! body sections (RFC 9051 7.5.2), with mail-parser finding the parts.

use mail_parser::{Address, Message, MessagePart, MimeHeaders, PartType};

use crate::command::{Section, SectionText};

/// A string as IMAP sends it: NIL, a quoted string, or a literal when it
/// holds what a quoted string cannot.
pub fn nstring(value: Option<&str>) -> String {
    match value {
        None => "NIL".into(),
        Some(v) => string(v),
    }
}

pub fn string(v: &str) -> String {
    if v.bytes().all(|b| (0x20..0x7f).contains(&b)) && v.len() < 1024 {
        let mut out = String::with_capacity(v.len() + 2);
        out.push('"');
        for c in v.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    } else {
        format!("{{{}}}\r\n{v}", v.len())
    }
}

/// Non-ASCII text as one RFC 2047 encoded word, as it is put in headers.
fn ascii(text: &str) -> String {
    if text.is_ascii() {
        text.to_string()
    } else {
        use base64::Engine as _;
        format!(
            "=?utf-8?b?{}?=",
            base64::engine::general_purpose::STANDARD.encode(text)
        )
    }
}

fn raw_header<'a>(m: &'a Message<'a>, name: &'static str) -> Option<&'a str> {
    m.header_raw(name).map(str::trim)
}

/// The ENVELOPE of a message.
pub fn envelope(m: &Message) -> String {
    let from = addresses(m.from());
    let sender = match m.sender() {
        Some(_) => addresses(m.sender()),
        None => from.clone(),
    };
    let reply_to = match m.reply_to() {
        Some(_) => addresses(m.reply_to()),
        None => from.clone(),
    };
    format!(
        "({} {} {} {} {} {} {} {} {} {})",
        nstring(raw_header(m, "Date")),
        nstring(raw_header(m, "Subject").map(unfold).as_deref()),
        from,
        sender,
        reply_to,
        addresses(m.to()),
        addresses(m.cc()),
        addresses(m.bcc()),
        nstring(raw_header(m, "In-Reply-To").map(unfold).as_deref()),
        nstring(raw_header(m, "Message-ID").map(unfold).as_deref()),
    )
}

fn unfold(v: &str) -> String {
    v.replace("\r\n", "").replace('\n', "")
}

fn addresses(list: Option<&Address>) -> String {
    let Some(list) = list else {
        return "NIL".into();
    };
    let mut out = String::from("(");
    fn one(out: &mut String, name: Option<&str>, email: Option<&str>) {
        let (mailbox, host) = match email.and_then(|e| e.rsplit_once('@')) {
            Some((l, h)) => (Some(l.to_string()), Some(h.to_string())),
            None => (email.map(str::to_string), None),
        };
        out.push_str(&format!(
            "({} NIL {} {})",
            nstring(name.map(ascii).as_deref()),
            nstring(mailbox.as_deref()),
            nstring(host.as_deref())
        ));
    }
    match list {
        Address::List(addrs) => {
            for a in addrs {
                one(&mut out, a.name.as_deref(), a.address.as_deref());
            }
        }
        Address::Group(groups) => {
            for g in groups {
                if let Some(name) = &g.name {
                    // RFC 9051 7.5.2: a group starts with a NIL host...
                    out.push_str(&format!("(NIL NIL {} NIL)", string(&ascii(name))));
                }
                for a in &g.addresses {
                    one(&mut out, a.name.as_deref(), a.address.as_deref());
                }
                if g.name.is_some() {
                    // ...and ends with NIL mailbox and host.
                    out.push_str("(NIL NIL NIL NIL)");
                }
            }
        }
    }
    if out.len() == 1 {
        return "NIL".into();
    }
    out.push(')');
    out
}

/// BODYSTRUCTURE (`extensible`) or BODY of a message.
pub fn body_structure(m: &Message, extensible: bool) -> String {
    part_structure(m, 0, extensible, 0)
}

/// How deep BODYSTRUCTURE follows nested parts and messages; deeper parts
/// are shown as empty text. Well beyond real mail, far within the stack.
const MAX_PART_DEPTH: usize = 64;

/// An empty text/plain part, standing for one that cannot be shown.
const EMPTY_PART: &str = "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0)";

fn part_structure(m: &Message, id: u32, ext: bool, depth: usize) -> String {
    let Some(part) = m.part(id) else {
        return "NIL".into();
    };
    if depth > MAX_PART_DEPTH {
        return EMPTY_PART.into();
    }
    let raw = m.raw_message();
    let ctype = part.content_type();
    let (mut t, mut sub) = match ctype {
        Some(ct) => (
            ct.ctype().to_ascii_uppercase(),
            ct.subtype().unwrap_or("").to_ascii_uppercase(),
        ),
        None => ("TEXT".to_string(), "PLAIN".to_string()),
    };
    if let PartType::Multipart(children) = &part.body {
        let mut out = String::from("(");
        // A part's children come after it. Hostile MIME can leave
        // mail-parser with a part listed as its own child (the fuzzer found
        // one), and following it would recurse until the stack overflows.
        let children: Vec<u32> = children.iter().copied().filter(|&c| c > id).collect();
        for &c in &children {
            out.push_str(&part_structure(m, c, ext, depth + 1));
        }
        if children.is_empty() {
            out.push_str(EMPTY_PART);
        }
        if sub.is_empty() {
            sub = "MIXED".into();
        }
        out.push(' ');
        out.push_str(&string(&sub));
        if ext {
            out.push(' ');
            out.push_str(&params(part));
            out.push(' ');
            out.push_str(&disposition(part));
            out.push_str(" NIL NIL");
        }
        out.push(')');
        return out;
    }
    if sub.is_empty() {
        (t, sub) = ("TEXT".into(), "PLAIN".into());
    }
    let body = raw
        .get(part.offset_body as usize..part.offset_end as usize)
        .unwrap_or_default();
    let size = body.len();
    // Text lines: a last line without its line end counts too (the CRLF
    // before a MIME boundary belongs to the boundary).
    let lines = body.iter().filter(|&&b| b == b'\n').count()
        + usize::from(!body.is_empty() && !body.ends_with(b"\n"));
    let encoding = part
        .content_transfer_encoding()
        .map(|e| e.to_ascii_uppercase())
        .unwrap_or_else(|| "7BIT".into());
    let mut out = format!(
        "({} {} {} {} {} {} {}",
        string(&t),
        string(&sub),
        params(part),
        nstring(part.content_id().map(|i| format!("<{i}>")).as_deref()),
        nstring(part.content_description()),
        string(&encoding),
        size
    );
    if let PartType::Message(inner) = &part.body {
        out.push_str(&format!(
            " {} {} {}",
            envelope(inner),
            part_structure(inner, 0, ext, depth + 1),
            lines
        ));
    } else if t == "TEXT" {
        out.push_str(&format!(" {lines}"));
    }
    if ext {
        out.push_str(&format!(" NIL {} NIL NIL", disposition(part)));
    }
    out.push(')');
    out
}

fn params(part: &MessagePart) -> String {
    match part.content_type() {
        // RFC 2045 5.2: no Content-Type means text/plain; charset=us-ascii.
        None => "(\"CHARSET\" \"US-ASCII\")".into(),
        Some(ct) => attribute_list(ct.attributes().unwrap_or_default()),
    }
}

/// `("NAME" "value" ...)` of MIME parameters, or NIL when there are none.
fn attribute_list(attrs: &[mail_parser::Attribute]) -> String {
    if attrs.is_empty() {
        return "NIL".into();
    }
    let inner: Vec<String> = attrs
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                string(&a.name.to_ascii_uppercase()),
                string(&ascii(&a.value))
            )
        })
        .collect();
    format!("({})", inner.join(" "))
}

fn disposition(part: &MessagePart) -> String {
    match part.content_disposition() {
        None => "NIL".into(),
        Some(d) => {
            let p = attribute_list(d.attributes().unwrap_or_default());
            format!("({} {p})", string(&d.ctype().to_ascii_uppercase()))
        }
    }
}

/// The octets a body section names; `None` if the message has no such part.
pub fn section<'a>(m: &'a Message<'a>, s: &Section) -> Option<Vec<u8>> {
    let (msg, id) = locate(m, &s.part)?;
    let raw = msg.raw_message();
    let part = msg.part(id)?;
    let slice = |a: u32, b: u32| raw.get(a as usize..b as usize).map(<[u8]>::to_vec);
    // For HEADER and TEXT of a message/rfc822 part, the message inside.
    let embedded = || -> Option<&Message> {
        if s.part.is_empty() {
            Some(msg)
        } else {
            part.message()
        }
    };
    match &s.text {
        SectionText::Full if s.part.is_empty() => Some(raw.to_vec()),
        SectionText::Full => slice(part.offset_body, part.offset_end),
        SectionText::Mime => slice(part.offset_header, part.offset_body),
        SectionText::Header => {
            let inner = embedded()?;
            let root = inner.root_part();
            inner
                .raw_message()
                .get(root.offset_header as usize..root.offset_body as usize)
                .map(<[u8]>::to_vec)
        }
        SectionText::Text => {
            let inner = embedded()?;
            let root = inner.root_part();
            inner
                .raw_message()
                .get(root.offset_body as usize..root.offset_end as usize)
                .map(<[u8]>::to_vec)
        }
        SectionText::HeaderFields(names) | SectionText::HeaderFieldsNot(names) => {
            let inner = embedded()?;
            let root = inner.root_part();
            let header = inner
                .raw_message()
                .get(root.offset_header as usize..root.offset_body as usize)?;
            let keep = matches!(s.text, SectionText::HeaderFields(_));
            Some(header_fields(header, names, keep))
        }
    }
}

/// The message and part a part path names: multipart children by number,
/// a single part as its own part 1, and below a message/rfc822 part the
/// parts of the message inside it.
fn locate<'a>(m: &'a Message<'a>, path: &[u32]) -> Option<(&'a Message<'a>, u32)> {
    let mut msg = m;
    let mut id = 0u32;
    for (depth, &n) in path.iter().enumerate() {
        let mut part = msg.part(id)?;
        if depth > 0 {
            if let PartType::Message(inner) = &part.body {
                msg = inner;
                id = 0;
                part = inner.root_part();
            }
        }
        match &part.body {
            PartType::Multipart(children) => {
                id = *children.get((n as usize).checked_sub(1)?)?;
            }
            _ if n == 1 => {}
            _ => return None,
        }
    }
    Some((msg, id))
}

/// The header lines whose names are (or, with `keep` false, are not) among
/// `names`, folded lines whole, and the blank line that ends a header.
fn header_fields(header: &[u8], names: &[String], keep: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut taking = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            if taking {
                out.extend_from_slice(line);
            }
            continue;
        }
        let name = line.split(|&b| b == b':').next().unwrap_or_default();
        let named = names
            .iter()
            .any(|n| n.as_bytes().eq_ignore_ascii_case(name.trim_ascii()));
        taking = named == keep;
        if taking {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    const MIXED: &[u8] = b"From: =?utf-8?q?Zo=C3=AB?= <zoe@example.org>\r\n\
To: bob@example.net, \"Al \\\"X\\\"\" <al@example.net>\r\n\
Subject: Hello\r\n\
Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
Message-ID: <m1@example.org>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
preamble\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
first part\r\n\
line two\r\n\
--b1\r\n\
Content-Type: application/pdf; name=\"a.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
Content-Disposition: attachment; filename=\"a.pdf\"\r\n\
\r\n\
JVBERi0=\r\n\
--b1--\r\n";

    fn parsed(raw: &[u8]) -> Message<'_> {
        MessageParser::default().parse(raw).unwrap()
    }

    fn text(s: &Section, raw: &[u8]) -> String {
        String::from_utf8(section(&parsed(raw), s).unwrap()).unwrap()
    }

    #[test]
    fn envelope_of_a_message() {
        let m = parsed(MIXED);
        assert_eq!(
            envelope(&m),
            "(\"Mon, 23 Nov 2026 10:00:00 +0000\" \"Hello\" \
             ((\"=?utf-8?b?Wm/Dqw==?=\" NIL \"zoe\" \"example.org\")) \
             ((\"=?utf-8?b?Wm/Dqw==?=\" NIL \"zoe\" \"example.org\")) \
             ((\"=?utf-8?b?Wm/Dqw==?=\" NIL \"zoe\" \"example.org\")) \
             ((NIL NIL \"bob\" \"example.net\")(\"Al \\\"X\\\"\" NIL \"al\" \"example.net\")) \
             NIL NIL NIL \"<m1@example.org>\")"
        );
    }

    #[test]
    fn body_structure_of_a_multipart_message() {
        let m = parsed(MIXED);
        assert_eq!(
            body_structure(&m, false),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 20 2)\
             (\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") NIL NIL \"BASE64\" 8) \"MIXED\")"
        );
        let ext = body_structure(&m, true);
        assert!(
            ext.contains("(\"ATTACHMENT\" (\"FILENAME\" \"a.pdf\"))"),
            "{ext}"
        );
        assert!(ext.contains("\"MIXED\" (\"BOUNDARY\" \"b1\")"), "{ext}");
        let plain = parsed(b"Subject: x\r\n\r\nhi\r\n");
        assert_eq!(
            body_structure(&plain, false),
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 4 1)"
        );
    }

    #[test]
    fn sections() {
        let s = |part: &[u32], text: SectionText| Section {
            part: part.to_vec(),
            text,
        };
        assert_eq!(text(&s(&[], SectionText::Full), MIXED).as_bytes(), MIXED);
        let header = text(&s(&[], SectionText::Header), MIXED);
        assert!(header.starts_with("From:") && header.ends_with("\"b1\"\r\n\r\n"));
        assert!(text(&s(&[], SectionText::Text), MIXED).starts_with("preamble"));
        assert_eq!(
            text(&s(&[1], SectionText::Full), MIXED),
            "first part\r\nline two"
        );
        assert_eq!(text(&s(&[2], SectionText::Full), MIXED), "JVBERi0=");
        assert!(
            text(&s(&[2], SectionText::Mime), MIXED).starts_with("Content-Type: application/pdf")
        );
        assert_eq!(
            text(
                &s(
                    &[],
                    SectionText::HeaderFields(vec!["SUBJECT".into(), "to".into()])
                ),
                MIXED
            ),
            "To: bob@example.net, \"Al \\\"X\\\"\" <al@example.net>\r\nSubject: Hello\r\n\r\n"
        );
        let not = text(
            &s(&[], SectionText::HeaderFieldsNot(vec!["From".into()])),
            MIXED,
        );
        assert!(!not.contains("From:") && not.contains("Subject: Hello"));
        assert!(section(&parsed(MIXED), &s(&[3], SectionText::Full)).is_none());
        // A single-part message is its own part 1.
        let plain = b"Subject: x\r\n\r\nhi\r\n";
        assert_eq!(text(&s(&[1], SectionText::Full), plain), "hi\r\n");
    }

    #[test]
    fn strings() {
        assert_eq!(nstring(None), "NIL");
        assert_eq!(string("a\"b\\"), "\"a\\\"b\\\\\"");
        assert_eq!(string("zoë"), "{4}\r\nzoë");
    }
}
