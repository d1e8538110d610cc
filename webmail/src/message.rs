//! One stored message, read and taken apart for showing: its header
//! fields, the body as safe HTML, its attachments.

use std::collections::HashMap;

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use mismo_core::model::MailboxEntry;
use mismo_core::Store;
use serde::Serialize;

use crate::render::{html, text};
use mismo_core::web::HttpError;

/// A message entry of this mailbox, or 404 (also for another mailbox's
/// ids: the store is asked for the id within this mailbox only).
pub async fn entry(store: &Store, mailbox: &str, id: &str) -> Result<MailboxEntry, HttpError> {
    if id.is_empty()
        || id.len() > 80
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(crate::error::no_such_message());
    }
    store
        .get_entry(mailbox, id)
        .await?
        .ok_or_else(crate::error::no_such_message)
}

/// The message's bytes as a mail program would get them: delivery
/// headers, then the stored message.
pub async fn bytes(store: &Store, entry: &MailboxEntry) -> Result<Vec<u8>, HttpError> {
    let blob = store
        .readable_blob(entry)
        .await?
        .ok_or_else(crate::error::no_such_message)?;
    let mut out = entry.delivery_headers.as_bytes().to_vec();
    out.extend_from_slice(&store.get_blob(&blob).await?);
    Ok(out)
}

/// One attachment, as listed on the page.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    /// Its index among the message's attachments (the download's address).
    pub n: usize,
    pub name: String,
    pub media_type: String,
    pub size: usize,
}

/// The parts of a message a page shows.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub from: String,
    pub from_address: String,
    pub to: String,
    pub cc: String,
    /// Kept in drafts only (a sent message does not carry it).
    pub bcc: String,
    pub reply_to: String,
    pub subject: String,
    pub date: String,
    pub message_id: String,
    pub references: Vec<String>,
    /// The message this one answers, without angle brackets.
    pub in_reply_to: String,
    /// The body as safe HTML: sanitized mail HTML (shown in the frame), or
    /// the plain text escaped and linked (shown in the page).
    pub body_html: String,
    pub is_html: bool,
    /// The plain text of the body, for quoting in a reply.
    pub body_text: String,
    pub blocked_images: usize,
    pub styles: Vec<String>,
    pub attachments: Vec<Attachment>,
}

/// A list of addresses as people read them.
pub fn addresses(address: Option<&Address>) -> String {
    let Some(address) = address else {
        return String::new();
    };
    address
        .iter()
        .map(|a| match (a.name.as_deref(), a.address.as_deref()) {
            // Quoted when it holds what separates addresses, so the list
            // reads back as the same addresses (a reply to all).
            (Some(n), Some(e)) if !n.is_empty() && n.contains([',', ';', '<', '>', '"', '@']) => {
                format!("\"{}\" <{e}>", n.replace(['"', '\\'], ""))
            }
            (Some(n), Some(e)) if !n.is_empty() => format!("{n} <{e}>"),
            (_, Some(e)) => e.to_string(),
            (Some(n), None) => n.to_string(),
            (None, None) => String::new(),
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The bare addresses of a list.
pub fn bare_addresses(address: Option<&Address>) -> Vec<String> {
    address
        .map(|a| {
            a.iter()
                .filter_map(|a| a.address.as_deref().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn ids(value: &HeaderValue) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Takes a message apart. `show_remote`: the reader asked for remote
/// images in this message.
pub fn view(raw: &[u8], show_remote: bool) -> View {
    let parser = MessageParser::default();
    let Some(message) = parser.parse(raw) else {
        return View {
            from: String::new(),
            from_address: String::new(),
            to: String::new(),
            cc: String::new(),
            bcc: String::new(),
            reply_to: String::new(),
            subject: "(unreadable message)".into(),
            date: String::new(),
            message_id: String::new(),
            references: Vec::new(),
            in_reply_to: String::new(),
            body_html: text::to_html(&String::from_utf8_lossy(raw)),
            is_html: false,
            body_text: String::from_utf8_lossy(raw).into_owned(),
            blocked_images: 0,
            styles: Vec::new(),
            attachments: Vec::new(),
        };
    };
    let attachments: Vec<Attachment> = message
        .attachments()
        .enumerate()
        .map(|(n, part)| Attachment {
            n,
            name: attachment_name(part, n),
            media_type: media_type(part),
            size: part.contents().len(),
        })
        .collect();
    // Inline images by Content-ID, for cid: references.
    let cids: HashMap<String, String> = message
        .attachments()
        .filter_map(|part| {
            let id = part.content_id()?.trim_matches(['<', '>']).to_string();
            let url = html::data_url(&media_type(part), part.contents())?;
            Some((id, url))
        })
        .collect();
    let body_text = plain_body(&message);
    let (body_html, is_html, blocked_images, styles) = match message.body_html(0) {
        Some(h) if message.html_body_count() > 0 && has_real_html(&message) => {
            let cleaned = html::clean(&h, cids, show_remote);
            (cleaned.html, true, cleaned.blocked_images, cleaned.styles)
        }
        _ => (text::to_html(&body_text), false, 0, Vec::new()),
    };
    View {
        from: addresses(message.from()),
        from_address: bare_addresses(message.from())
            .into_iter()
            .next()
            .unwrap_or_default(),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        bcc: addresses(message.bcc()),
        reply_to: addresses(message.reply_to()),
        subject: message.subject().unwrap_or("").to_string(),
        date: message.date().map(|d| d.to_rfc822()).unwrap_or_default(),
        message_id: message.message_id().unwrap_or("").to_string(),
        references: ids(message.references()),
        in_reply_to: ids(message.in_reply_to())
            .into_iter()
            .next()
            .unwrap_or_default(),
        body_html,
        is_html,
        body_text,
        blocked_images,
        styles,
        attachments,
    }
}

/// Whether the first HTML body is a real text/html part, not plain text
/// that the parser converted.
fn has_real_html(message: &mail_parser::Message) -> bool {
    message
        .html_part(0)
        .is_some_and(|p| matches!(p.body, PartType::Html(_)))
}

/// The plain text of the body: the text/plain part, flowed text joined;
/// for HTML-only mail, the parser's text rendering of it.
fn plain_body(message: &mail_parser::Message) -> String {
    let Some(part) = message.text_part(0) else {
        return String::new();
    };
    let text = message.body_text(0).unwrap_or_default().into_owned();
    let ct = part.content_type();
    let flowed = ct
        .and_then(|c| c.attribute("format"))
        .is_some_and(|f| f.eq_ignore_ascii_case("flowed"));
    if flowed && matches!(part.body, PartType::Text(_)) {
        let delsp = ct
            .and_then(|c| c.attribute("delsp"))
            .is_some_and(|d| d.eq_ignore_ascii_case("yes"));
        text::unflow(&text, delsp)
    } else {
        text
    }
}

/// A part's media type, lower-case, `application/octet-stream` if unsaid.
pub fn media_type(part: &mail_parser::MessagePart) -> String {
    part.content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .unwrap_or_else(|| "application/octet-stream".into())
        .to_ascii_lowercase()
}

/// An attachment: its name, media type and bytes.
pub type Attached = (String, String, Vec<u8>);

/// Attachment `n` of a message.
pub fn attachment(raw: &[u8], n: usize) -> Option<Attached> {
    attachments(raw, [n])?.pop()
}

/// Attachments `wanted` of a message, the message parsed once; `None` if
/// one of them is not there.
pub fn attachments(raw: &[u8], wanted: impl IntoIterator<Item = usize>) -> Option<Vec<Attached>> {
    let message = MessageParser::default().parse(raw)?;
    wanted
        .into_iter()
        .map(|n| {
            let part = message.attachments().nth(n)?;
            Some((
                attachment_name(part, n),
                media_type(part),
                part.contents().to_vec(),
            ))
        })
        .collect()
}

/// Attachment `n`'s name as shown and downloaded: without control or
/// format characters, so a right-to-left override cannot make
/// `invoice\u{202E}fdp.exe` read as `invoiceexe.pdf`.
fn attachment_name(part: &mail_parser::MessagePart, n: usize) -> String {
    let name: String = part
        .attachment_name()
        .unwrap_or("")
        .chars()
        .filter(|&c| !c.is_control() && !is_format_character(c))
        .collect();
    if name.trim().is_empty() {
        format!("attachment-{}", n + 1)
    } else {
        name
    }
}

/// Unicode's invisible format characters (general category Cf) that
/// change how text around them reads: bidirectional embeddings, overrides
/// and isolates, marks, zero-width joiners and spaces.
fn is_format_character(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Whether a message has attachments, from its header block alone (what
/// the list has): a multipart/mixed top level, as Roundcube guesses.
pub fn looks_attached(header: Option<&[u8]>) -> bool {
    let Some(header) = header else {
        return false;
    };
    let Some(parsed) = MessageParser::new().parse_headers(header) else {
        return false;
    };
    parsed.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("mixed"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTIPART: &[u8] = b"From: Ann <ann@example.org>\r\nTo: bob@example.org\r\nSubject: Report\r\n\
Message-ID: <m1@example.org>\r\nReferences: <r0@example.org>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; format=flowed\r\n\r\n\
Hello \r\nworld, see https://example.org\r\n--b\r\nContent-Type: text/html; name=\"evil.html\"\r\n\
Content-Disposition: attachment; filename=\"../evil.html\"\r\n\r\n<script>alert(1)</script>\r\n--b--\r\n";

    #[test]
    fn attachment_names_lose_their_direction_tricks() {
        let raw = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Type: application/octet-stream\r\n\
Content-Disposition: attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe\r\n\r\nMZ\r\n--b\r\n\
Content-Type: application/octet-stream\r\n\
Content-Disposition: attachment; filename*=UTF-8''%E2%81%A6%E2%80%8F\r\n\r\nx\r\n--b--\r\n";
        let v = view(raw.as_bytes(), false);
        assert_eq!(v.attachments[0].name, "invoicefdp.exe");
        assert_eq!(v.attachments[1].name, "attachment-2");
        assert_eq!(attachment(raw.as_bytes(), 0).unwrap().0, "invoicefdp.exe");
    }

    #[test]
    fn a_multipart_message_is_taken_apart() {
        let v = view(MULTIPART, false);
        assert_eq!(v.from, "Ann <ann@example.org>");
        assert_eq!(v.from_address, "ann@example.org");
        assert_eq!(v.subject, "Report");
        assert_eq!(v.message_id, "m1@example.org");
        assert_eq!(v.references, ["r0@example.org"]);
        assert_eq!(v.in_reply_to, "");
        assert!(!v.is_html);
        assert!(
            v.body_text.starts_with("Hello world, see"),
            "{}",
            v.body_text
        );
        assert!(v.body_html.contains("<a href=\"https://example.org\""));
        assert_eq!(v.attachments.len(), 1);
        assert_eq!(v.attachments[0].media_type, "text/html");
        let (name, media, bytes) = attachment(MULTIPART, 0).unwrap();
        assert_eq!(
            (name.as_str(), media.as_str()),
            ("../evil.html", "text/html")
        );
        assert!(bytes.starts_with(b"<script>"));
        assert!(attachment(MULTIPART, 1).is_none());
        assert!(looks_attached(Some(MULTIPART)));
        assert!(!looks_attached(Some(b"Subject: x\r\n\r\n")));
    }

    #[test]
    fn html_mail_is_cleaned_and_images_counted() {
        let raw = b"From: x@example.org\r\nContent-Type: text/html\r\n\r\n<p onclick=x()>Hi<img src=\"http://127.0.0.1:1/t.gif\"></p>";
        let v = view(raw, false);
        assert!(v.is_html);
        assert_eq!(v.blocked_images, 1);
        assert!(!v.body_html.contains("onclick") && !v.body_html.contains("127.0.0.1"));
        assert!(view(raw, true).body_html.contains("127.0.0.1"));
    }
}
