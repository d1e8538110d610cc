//! The summary of a message a listing shows, parsed once when it enters the
//! queue (mail-parser): main headers and the attachment list.

use mail_parser::{MessageParser, MimeHeaders};

use crate::model::{AttachmentMeta, HeaderSummary};

/// The headers and attachment list a listing shows, parsed once here.
pub fn summarize(raw: &[u8]) -> (HeaderSummary, Vec<AttachmentMeta>) {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return (HeaderSummary::default(), Vec::new());
    };
    let addresses = |list: Option<&mail_parser::Address>| -> Vec<String> {
        list.map(|a| {
            a.iter()
                .map(|addr| match (addr.name(), addr.address()) {
                    (Some(n), Some(a)) => format!("{n} <{a}>"),
                    (None, Some(a)) => a.to_string(),
                    (Some(n), None) => n.to_string(),
                    (None, None) => String::new(),
                })
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
    };
    let headers = HeaderSummary {
        from: addresses(msg.from()).into_iter().next(),
        to: addresses(msg.to()),
        subject: msg.subject().map(str::to_string),
        date: msg.date().map(|d| d.to_rfc822()),
        message_id: msg.message_id().map(str::to_string),
    };
    let attachments = msg
        .attachments()
        .map(|part| AttachmentMeta {
            name: part.attachment_name().map(str::to_string),
            content_type: part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into())
                .to_ascii_lowercase(),
            size: i64::try_from(part.contents().len()).unwrap_or(i64::MAX),
        })
        .collect();
    (headers, attachments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_a_multipart_message() {
        let raw = b"From: Zo\xc3\xab <zoe@example.org>\r\nTo: a@b.test, C <c@d.test>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nDate: Sun, 22 Nov 2026 18:00:00 +0000\r\nMessage-ID: <1@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf; name=r.pdf\r\nContent-Disposition: attachment; filename=r.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--b--\r\n";
        let (h, a) = summarize(raw);
        assert_eq!(h.from.as_deref(), Some("Zoë <zoe@example.org>"));
        assert_eq!(h.to, ["a@b.test", "C <c@d.test>"]);
        assert_eq!(h.subject.as_deref(), Some("Grüße"));
        assert_eq!(h.message_id.as_deref(), Some("1@x"));
        assert!(h.date.is_some());
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].name.as_deref(), Some("r.pdf"));
        assert_eq!(a[0].content_type, "application/pdf");
        assert_eq!(a[0].size, 4);
    }
}
