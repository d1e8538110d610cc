//! Delivery status notifications (RFC 3464) for recipients that failed.

use mail_builder::headers::address::Address as MbAddress;
use mail_builder::mime::{BodyPart, MimePart};
use mail_builder::MessageBuilder;
use mismo_core::model::{QueuedMessage, Recipient};

use crate::outcome::Outcome;

/// Whether a failure of this recipient should be reported to the sender:
/// never to the null sender (no bounce loops), and not when the client asked
/// for no failure notices (RFC 3461 NOTIFY).
pub fn wanted(message: &QueuedMessage, rcpt: &Recipient) -> bool {
    if message.mail_from.is_empty() {
        return false;
    }
    match rcpt.notify.as_deref() {
        None => true,
        Some(n) => n.split(',').any(|v| v.eq_ignore_ascii_case("FAILURE")),
    }
}

/// Builds the bounce for `failed` recipients of `message`.
pub fn build(
    hostname: &str,
    message: &QueuedMessage,
    original: &[u8],
    failed: &[(&Recipient, &Outcome)],
) -> Vec<u8> {
    let now = mismo_core::model::now_ms() / 1000;
    let date = mail_builder::headers::date::Date::new(now).to_rfc822();
    let arrival = mail_builder::headers::date::Date::new(message.received_at / 1000).to_rfc822();

    // RET=FULL is honoured only for mail an authenticated user submitted:
    // anyone else may have forged the sender, and a bounce that carried the
    // body would deliver their spam to whoever they named (RFC 3464 and
    // RFC 3834 let the reporting MTA return headers only).
    let full = message.dsn.ret.as_deref() == Some("FULL") && message.origin.auth_user.is_some();
    let mut text = format!(
        "This is the mail system at host {hostname}.\r\n\r\n\
         I'm sorry to have to inform you that your message could not\r\n\
         be delivered to one or more recipients. {} attached below.\r\n\r\n",
        if full { "It's" } else { "Its headers are" }
    );
    for (rcpt, outcome) in failed {
        text.push_str(&format!("<{}>: {outcome}\r\n", rcpt.address));
    }

    let mut status = format!(
        "Reporting-MTA: dns; {hostname}\r\nX-Mismo-Queue-ID: {}\r\nArrival-Date: {arrival}\r\n",
        message.id
    );
    if let Some(envid) = &message.dsn.envid {
        status.push_str(&format!("Original-Envelope-Id: {envid}\r\n"));
    }
    for (rcpt, outcome) in failed {
        status.push_str(&format!(
            "\r\nFinal-Recipient: rfc822; {}\r\n",
            rcpt.address
        ));
        if let Some(orcpt) = &rcpt.orcpt {
            status.push_str(&format!(
                "Original-Recipient: {}\r\n",
                orcpt.replacen(';', "; ", 1)
            ));
        }
        status.push_str(&format!(
            "Action: failed\r\nStatus: {}\r\n",
            outcome.status_code()
        ));
        // RFC 3464 2.3.5 and 2.3.6: the host that answered, and its reply
        // as it was sent.
        if let Some(remote) = &outcome.remote {
            status.push_str(&format!("Remote-MTA: dns; {}\r\n", remote.host));
        }
        status.push_str(&format!(
            "Diagnostic-Code: smtp; {}\r\nLast-Attempt-Date: {date}\r\n",
            outcome.reply.replace(['\r', '\n'], " ")
        ));
    }

    let returned = if full {
        let mut part =
            b"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n".to_vec();
        part.extend_from_slice(original);
        part
    } else {
        let mut part =
            b"Content-Type: text/rfc822-headers\r\nContent-Disposition: inline\r\n\r\n".to_vec();
        part.extend_from_slice(header_block(original));
        part
    };
    let mut status_part = b"Content-Type: message/delivery-status\r\n\r\n".to_vec();
    status_part.extend_from_slice(status.as_bytes());

    let report = MimePart::new(
        mail_builder::headers::content_type::ContentType::new("multipart/report")
            .attribute("report-type", "delivery-status"),
        BodyPart::Multipart(vec![
            MimePart::new("text/plain", BodyPart::Text(text.into())),
            MimePart::raw(BodyPart::Binary(status_part.into())),
            MimePart::raw(BodyPart::Binary(returned.into())),
        ]),
    );
    MessageBuilder::new()
        .from(MbAddress::new_address(
            Some("Mail Delivery System"),
            format!("MAILER-DAEMON@{hostname}"),
        ))
        .to(message.mail_from.clone())
        .subject("Undelivered Mail Returned to Sender")
        .header(
            "Auto-Submitted",
            mail_builder::headers::raw::Raw::new("auto-replied"),
        )
        .message_id(format!("{}.dsn@{hostname}", message.id))
        .body(report)
        .write_to_vec()
        .unwrap_or_default()
}

/// The header section of a message (without the blank line).
fn header_block(message: &[u8]) -> &[u8] {
    let end = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 2)
        .unwrap_or(message.len());
    &message[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use mismo_core::model::{BlobRef, DsnRequest, NewMessage, Origin};

    fn bounce(auth_user: Option<&str>) -> String {
        let original = b"Subject: cheap pills\r\n\r\nBUY NOW at spam.example\r\n";
        let blob = BlobRef {
            id: "b1".into(),
            size: 0,
            chunks: 0,
            inline: None,
        };
        let new = NewMessage {
            id: "q1".into(),
            mail_from: "someone@far.test".into(),
            recipients: vec![Recipient::pending("full@example.org".into(), None, None)],
            origin: Origin {
                auth_user: auth_user.map(str::to_string),
                ..Origin::default()
            },
            dsn: DsnRequest {
                ret: Some("FULL".into()),
                envid: None,
            },
            smtputf8: false,
        };
        let message = QueuedMessage::enqueued(new, blob, original);
        let outcome = Outcome::permanent("552 5.2.2 mailbox full");
        let failed = [(&message.recipients[0], &outcome)];
        String::from_utf8(build("mx.example.org", &message, original, &failed)).unwrap()
    }

    #[test]
    fn a_bounce_carries_the_body_only_for_an_authenticated_sender() {
        // RET=FULL from a stranger: headers only, never the body.
        let stranger = bounce(None);
        assert!(stranger.contains("text/rfc822-headers"), "{stranger}");
        assert!(stranger.contains("Subject: cheap pills"));
        assert!(!stranger.contains("BUY NOW"), "{stranger}");
        assert!(stranger.contains("Its headers are attached below"));
        // RET=FULL from a user who logged in: the whole message.
        let user = bounce(Some("zoe@example.org"));
        assert!(
            user.contains("message/rfc822") && user.contains("BUY NOW"),
            "{user}"
        );
    }
}
