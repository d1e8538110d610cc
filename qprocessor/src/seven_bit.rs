//! Turning an 8-bit message into a 7-bit one for a next hop that does not
//! offer 8BITMIME (RFC 6152 3).
//!
//! Every MIME leaf whose body holds 8-bit octets is re-encoded, text as
//! quoted-printable and anything else as base64, and its
//! Content-Transfer-Encoding header says so; all other bytes stay as they
//! were. What cannot be converted that way (8-bit octets in a header, or
//! inside an attached message/rfc822, whose encoding RFC 2045 6.4 fixes)
//! is an error, and the message is returned to its sender.
//!
//! The encoders are written here because mail-builder keeps its own private.

use base64::Engine;
use mail_parser::{MessageParser, PartType};

/// Where 8-bit octets were that kept a message from being made 7-bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotConvertible {
    InHeader,
    InAttachedMessage,
    OutsideParts,
}

impl NotConvertible {
    pub fn reason(self) -> &'static str {
        match self {
            Self::InHeader => "8-bit octets in a header",
            Self::InAttachedMessage => "8-bit octets in an attached message",
            Self::OutsideParts => "8-bit octets outside the MIME parts",
        }
    }
}

/// The message with CRLF line ends (as relayed), made 7-bit.
pub fn downgrade(message: &[u8]) -> Result<Vec<u8>, NotConvertible> {
    let parsed = MessageParser::default()
        .parse(message)
        .ok_or(NotConvertible::OutsideParts)?;
    // (header start, body start, body end, as text) of each leaf to convert.
    let mut leaves: Vec<(usize, usize, usize, bool)> = Vec::new();
    for part in &parsed.parts {
        let (h, b, e) = (
            part.offset_header as usize,
            part.offset_body as usize,
            (part.offset_end as usize).min(message.len()),
        );
        if !message.get(h..b).unwrap_or_default().is_ascii() {
            return Err(NotConvertible::InHeader);
        }
        let body = message.get(b..e).unwrap_or_default();
        if body.is_ascii() {
            continue;
        }
        match &part.body {
            PartType::Multipart(_) => {}
            PartType::Message(_) => return Err(NotConvertible::InAttachedMessage),
            PartType::Text(_) | PartType::Html(_) => leaves.push((h, b, e, true)),
            PartType::Binary(_) | PartType::InlineBinary(_) => leaves.push((h, b, e, false)),
        }
    }
    leaves.sort_unstable();
    let mut out = Vec::with_capacity(message.len() + message.len() / 4);
    let mut at = 0;
    for (h, b, e, text) in leaves {
        if h < at {
            // Nested inside a part already rewritten: cannot happen for leaves.
            return Err(NotConvertible::OutsideParts);
        }
        out.extend_from_slice(&message[at..h]);
        let encoding = if text { "quoted-printable" } else { "base64" };
        out.extend_from_slice(&with_encoding(&message[h..b], encoding));
        let body = &message[b..e];
        if text {
            quoted_printable(body, &mut out);
        } else {
            base64_lines(body, &mut out);
        }
        at = e;
    }
    out.extend_from_slice(&message[at..]);
    if out.is_ascii() {
        Ok(out)
    } else {
        Err(NotConvertible::OutsideParts)
    }
}

/// A part's header block (blank line included) with its
/// Content-Transfer-Encoding replaced by `encoding`.
fn with_encoding(header: &[u8], encoding: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(header);
    let mut out = String::with_capacity(text.len() + 48);
    let mut skipping = false;
    let mut lines: Vec<&str> = text.split_inclusive("\r\n").collect();
    // The blank line ending the block (absent when the part has no body).
    let blank = lines.last() == Some(&"\r\n");
    if blank {
        lines.pop();
    }
    for line in lines {
        let continued = line.starts_with([' ', '\t']);
        if continued && skipping {
            continue;
        }
        skipping = line
            .get(..26)
            .is_some_and(|n| n.eq_ignore_ascii_case("Content-Transfer-Encoding:"));
        if !skipping {
            out.push_str(line);
        }
    }
    if !out.is_empty() && !out.ends_with("\r\n") {
        out.push_str("\r\n");
    }
    out.push_str("Content-Transfer-Encoding: ");
    out.push_str(encoding);
    out.push_str("\r\n\r\n");
    out.into_bytes()
}

/// RFC 2045 6.7: CRLF stays a line break; lines at most 76 characters, with
/// soft breaks; `=`, 8-bit octets, controls and a space or tab before a line
/// break are encoded.
fn quoted_printable(body: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut lines = body.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut width = 0;
        for (i, &b) in line.iter().enumerate() {
            let at_end = i + 1 == line.len();
            let literal =
                matches!(b, b'!'..=b'<' | b'>'..=b'~') || (matches!(b, b' ' | b'\t') && !at_end);
            let need = if literal { 1 } else { 3 };
            // Room for the soft break's `=` on this line.
            if width + need > 75 {
                out.extend_from_slice(b"=\r\n");
                width = 0;
            }
            if literal {
                out.push(b);
            } else {
                out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
            width += need;
        }
        if !last {
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Base64 in lines of 76; the line break after the last is the one that
/// follows the part already (before a boundary, or the message's end).
fn base64_lines(body: &[u8], out: &mut Vec<u8>) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(body);
    for (i, chunk) in encoded.as_bytes().chunks(76).enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded_text(message: &[u8]) -> Vec<String> {
        let parsed = MessageParser::default().parse(message).unwrap();
        parsed
            .parts
            .iter()
            .filter_map(|p| match &p.body {
                PartType::Text(t) => Some(t.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_single_8bit_text_part_becomes_quoted_printable() {
        let original =
            "From: a@b.test\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\
            Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln = 100%  \r\n.\r\nend\r\n";
        let out = downgrade(original.as_bytes()).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(out.is_ascii());
        assert!(text.contains("Content-Transfer-Encoding: quoted-printable\r\n\r\n"));
        assert!(!text.contains("8bit"), "{text}");
        assert!(
            text.contains("Gr=C3=BC=C3=9Fe aus K=C3=B6ln =3D 100% =20\r\n"),
            "{text}"
        );
        assert!(text.contains("Subject: x\r\n"));
        assert_eq!(
            decoded_text(&out),
            vec!["Grüße aus Köln = 100%  \r\n.\r\nend\r\n".to_string()]
        );
    }

    #[test]
    fn only_the_8bit_parts_of_a_multipart_change() {
        let original = "From: a@b.test\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n\
            --XX\r\nContent-Type: text/plain\r\n\r\nplain ascii\r\n\
            --XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding:\r\n 8bit\r\n\r\nnaïve café\r\n\
            --XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\u{00ff}\u{00fe}raw\r\n\
            --XX--\r\n";
        let out = downgrade(original.as_bytes()).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(out.is_ascii(), "{text}");
        assert!(text.contains("--XX\r\nContent-Type: text/plain\r\n\r\nplain ascii\r\n--XX"));
        assert!(text.contains("na=C3=AFve caf=C3=A9"), "{text}");
        assert!(
            !text.contains(" 8bit"),
            "the folded old header is gone: {text}"
        );
        assert!(
            text.contains("Content-Transfer-Encoding: base64\r\n\r\nw7/DvnJhdw==\r\n--XX--"),
            "{text}"
        );
        assert!(text.ends_with("--XX--\r\n"));
        let parsed = MessageParser::default().parse(&out).unwrap();
        assert_eq!(parsed.parts.len(), 4);
        assert_eq!(
            decoded_text(&out),
            vec!["plain ascii".to_string(), "naïve café".to_string()]
        );
        let binary = parsed.parts.iter().find_map(|p| match &p.body {
            PartType::Binary(b) => Some(b.to_vec()),
            _ => None,
        });
        assert_eq!(binary.unwrap(), "\u{00ff}\u{00fe}raw".as_bytes());
    }

    #[test]
    fn long_lines_get_soft_breaks_under_77_characters() {
        let body = "é".repeat(100);
        let original = format!("Subject: x\r\n\r\n{body}\r\n");
        let out = downgrade(original.as_bytes()).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.lines().all(|l| l.len() <= 76), "{text}");
        assert_eq!(decoded_text(&out), vec![format!("{body}\r\n")]);
    }

    #[test]
    fn what_cannot_be_converted_is_said() {
        assert_eq!(
            downgrade("Subject: Grüße\r\n\r\nhi\r\n".as_bytes()),
            Err(NotConvertible::InHeader)
        );
        let attached = "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\
            Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\nü\r\n--B--\r\n";
        assert!(downgrade(attached.as_bytes()).is_err());
    }
}
