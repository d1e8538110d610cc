//! Vacation auto-replies (RFC 3834), sent at local delivery for mailboxes
//! whose owner turned one on in webmail.
//!
//! Never to the null sender, to mailing lists, to bulk or automatic mail,
//! or to the usual robot addresses; only to mail that names the mailbox
//! (or one of its aliases) in To or Cc; at most once per sender in the
//! interval the user chose (one atomic store write decides, so two
//! qprocessors delivering at once send one reply). The reply goes out with
//! a null MAIL FROM and `Auto-Submitted: auto-replied`, so it cannot start
//! a loop.

use std::time::Duration;

use mail_builder::headers::address::Address as MbAddress;
use mail_builder::headers::raw::Raw;
use mail_builder::MessageBuilder;
use mail_parser::{HeaderName, Message, MessageParser};
use mismo_core::model::{new_id, Mailbox, NewMessage, Origin, QueuedMessage, Recipient};
use mismo_core::{Directory, StoreResult};

/// Today in UTC as `YYYY-MM-DD`, the form the vacation dates are kept in.
fn today() -> String {
    let now = mail_parser::DateTime::from_timestamp(mismo_core::model::now_ms() / 1000);
    format!("{:04}-{:02}-{:02}", now.year, now.month, now.day)
}

/// Local parts that belong to programs, not people (RFC 3834 section 2,
/// RFC 5230 section 4.6).
fn robot_sender(sender: &str) -> bool {
    let local = mismo_core::model::address::local_part(sender).to_ascii_lowercase();
    local == "mailer-daemon"
        || local == "postmaster"
        || local == "listserv"
        || local == "majordomo"
        || local.starts_with("owner-")
        || local.ends_with("-request")
        || local.starts_with("bounce")
        || local.contains("noreply")
        || local.contains("no-reply")
}

/// Why the message must not be answered, judged from its header fields.
fn automatic(parsed: &Message) -> bool {
    let text = |name: &str| {
        parsed
            .header_raw(name)
            .map(|t| t.trim().to_ascii_lowercase())
    };
    if text("Auto-Submitted").is_some_and(|v| v != "no") {
        return true;
    }
    if matches!(
        text("Precedence").as_deref(),
        Some("bulk" | "list" | "junk")
    ) {
        return true;
    }
    [
        HeaderName::ListId,
        HeaderName::ListUnsubscribe,
        HeaderName::ListPost,
        HeaderName::ListHelp,
    ]
    .into_iter()
    .any(|h| parsed.header(h).is_some())
        || text("X-Auto-Response-Suppress").is_some()
}

/// Whether one of `addresses` is in the message's To or Cc.
fn addressed_to(parsed: &Message, addresses: &[String]) -> bool {
    [parsed.to(), parsed.cc()]
        .into_iter()
        .flatten()
        .flat_map(|list| list.iter())
        .filter_map(|a| a.address.as_deref())
        .any(|a| addresses.iter().any(|mine| mine.eq_ignore_ascii_case(a)))
}

/// Sends the mailbox's auto-reply to the sender of `message` (its bytes
/// `raw`) if one is due. Failures are logged: a missed auto-reply must never
/// hold up the delivery it follows.
pub async fn answer(
    dir: &Directory,
    hostname: &str,
    message: &QueuedMessage,
    raw: &[u8],
    mailbox: &Mailbox,
) {
    if let Err(e) = try_answer(dir, hostname, message, raw, mailbox).await {
        tracing::warn!(id = %message.id, mailbox = %mailbox.address, "vacation reply not sent: {e}");
    }
}

async fn try_answer(
    dir: &Directory,
    hostname: &str,
    message: &QueuedMessage,
    raw: &[u8],
    mailbox: &Mailbox,
) -> StoreResult<()> {
    let sender = message.mail_from.as_str();
    if sender.is_empty() || robot_sender(sender) || sender.eq_ignore_ascii_case(&mailbox.address) {
        return Ok(());
    }
    // Asked at every local delivery: read through the directory's cache,
    // so a change reaches the qprocessors within its few seconds.
    let vacation = dir.vacation(&mailbox.address).await?;
    let Some(vacation) = vacation.filter(|v| v.active_on(&today())) else {
        return Ok(());
    };
    let store = dir.store();
    let header = mismo_core::model::header_block(raw).unwrap_or_default();
    // Unreadable header fields: nothing says it may be answered.
    let Some(original) = MessageParser::new().parse_headers(&header[..]) else {
        return Ok(());
    };
    if automatic(&original) {
        return Ok(());
    }
    let mut mine = vec![mailbox.address.clone()];
    mine.extend(
        store
            .aliases_of(&mailbox.address)
            .await?
            .into_iter()
            .map(|a| a.source),
    );
    if !addressed_to(&original, &mine) {
        return Ok(());
    }
    let interval =
        Duration::from_secs(u64::try_from(vacation.interval_days.max(1)).unwrap_or(1) * 86_400);
    if !store
        .vacation_reply_due(&mailbox.address, sender, interval)
        .await?
    {
        return Ok(());
    }
    let subject = original.subject().unwrap_or("");
    let subject = if vacation.subject.trim().is_empty() {
        format!("Auto: {subject}")
    } else {
        vacation.subject.clone()
    };
    let mut builder = MessageBuilder::new()
        .from(MbAddress::new_address(
            mailbox.display_name.clone(),
            mailbox.address.clone(),
        ))
        .to(sender.to_string())
        .subject(subject)
        .message_id(format!(
            "{}.vacation@{hostname}",
            new_id().to_ascii_lowercase()
        ))
        .header("Auto-Submitted", Raw::new("auto-replied"))
        .text_body(vacation.body.replace('\n', "\r\n"));
    if let Some(id) = original.message_id() {
        builder = builder
            .in_reply_to(id.to_string())
            .references(id.to_string());
    }
    let bytes = builder
        .write_to_vec()
        .map_err(|e| mismo_core::StoreError::Other(format!("building the reply: {e}")))?;
    let queued = store
        .enqueue_new(
            NewMessage::new(
                new_id(),
                // RFC 3834 3.3: no bounce may come back to an auto-reply.
                String::new(),
                vec![Recipient::pending(sender.to_string(), None, None)],
                Origin::internal("vacation", hostname),
            ),
            &bytes,
        )
        .await?;
    tracing::info!(id = %queued.id, mailbox = %mailbox.address, to = sender, "vacation reply queued");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(header: &'static [u8]) -> Message<'static> {
        MessageParser::new().parse_headers(header).unwrap()
    }

    #[test]
    fn robots_lists_and_automatic_mail_are_not_answered() {
        for robot in [
            "MAILER-DAEMON@x.test",
            "owner-list@x.test",
            "list-request@x.test",
            "noreply@x.test",
            "postmaster@x.test",
        ] {
            assert!(robot_sender(robot), "{robot}");
        }
        assert!(!robot_sender("ann@x.test"));
        assert!(automatic(&fields(b"Auto-Submitted: auto-replied\r\n\r\n")));
        assert!(!automatic(&fields(
            b"Auto-Submitted: no\r\nSubject: x\r\n\r\n"
        )));
        assert!(automatic(&fields(b"Precedence: bulk\r\n\r\n")));
        assert!(automatic(&fields(b"List-Id: <l.x.test>\r\n\r\n")));
        assert!(automatic(&fields(
            b"List-Unsubscribe: <mailto:u@x.test>\r\n\r\n"
        )));
        assert!(!automatic(&fields(
            b"From: ann@x.test\r\nSubject: hi\r\n\r\n"
        )));
    }

    #[test]
    fn only_mail_naming_the_mailbox_is_answered() {
        let mine = vec!["zoe@x.test".to_string(), "sales@x.test".to_string()];
        assert!(addressed_to(
            &fields(b"To: Zoe <ZOE@x.test>\r\n\r\n"),
            &mine
        ));
        assert!(addressed_to(
            &fields(b"To: a@y.test\r\nCc: sales@x.test\r\n\r\n"),
            &mine
        ));
        assert!(!addressed_to(&fields(b"To: list@y.test\r\n\r\n"), &mine));
        assert_eq!(today().len(), 10);
    }
}
