//! Writing mail: a new message, a reply, a reply to all, a forward, or a
//! draft taken up again; sent, or saved to Drafts.
//!
//! Sending is submission by another door, under the same rules: the From
//! address is the user's own or one of its aliases, the message is no
//! larger than SMTP_MAX_MESSAGE_SIZE, and it enters the queue as one
//! `ENQUEUED` document, as an engine's would. A copy goes to Sent.

use axum::extract::{Multipart, Query, State};
use axum::response::{Html, IntoResponse, Response};
use mail_builder::headers::address::Address as MbAddress;
use mail_builder::MessageBuilder;
use mismo_core::model::address::Address;
use mismo_core::model::{new_id, now_ms, Flag, NewMessage, Origin, Recipient, MAX_RECIPIENTS};
use mismo_core::received::{Trace, Via};
use mismo_core::store::FlagChange;
use serde::{Deserialize, Serialize};

use super::{back_to, layout, notice, special_folder, with_notice};
use crate::form::{self, Upload};
use crate::message::{bytes, entry, view, Attached, View};
use crate::session::SignedIn;
use crate::state::AppState;
use crate::templates::render;
use mismo_core::web::Fields;
use mismo_core::web::HttpError;

#[derive(Debug, Deserialize)]
pub struct ComposeQuery {
    reply: Option<String>,
    all: Option<String>,
    forward: Option<String>,
    draft: Option<String>,
    to: Option<String>,
    done: Option<String>,
}

/// What the form shows (again, after an error).
#[derive(Debug, Default, Serialize)]
pub struct Draft {
    from: String,
    to: String,
    cc: String,
    bcc: String,
    subject: String,
    body: String,
    in_reply_to: String,
    references: String,
    /// The message replied to, marked answered once this is sent.
    reply_of: String,
    /// The draft this replaces.
    draft: String,
    /// The message whose attachments come along (a forward, a draft).
    carry: String,
    carried: Vec<crate::message::Attachment>,
}

/// `Re: ` or `Fwd: ` in front, once.
fn prefixed(prefix: &str, subject: &str) -> String {
    let lower = subject.to_ascii_lowercase();
    if lower.starts_with(&prefix.to_ascii_lowercase()) {
        subject.to_string()
    } else {
        format!("{prefix}{subject}")
    }
}

fn quoted(v: &View) -> String {
    let mut out = if v.date.is_empty() {
        format!("{} wrote:\n", v.from)
    } else {
        format!("On {}, {} wrote:\n", v.date, v.from)
    };
    for line in v.body_text.lines() {
        if line.starts_with('>') {
            out.push_str(&format!(">{line}\n"));
        } else {
            out.push_str(&format!("> {line}\n"));
        }
    }
    out
}

fn with_signature(body: &str, signature: &str) -> String {
    if signature.trim().is_empty() {
        body.to_string()
    } else {
        format!("{body}\n\n-- \n{}", signature.trim_end())
    }
}

/// Message ids as a header field holds them: each in angle brackets.
fn bracketed<'a>(ids: impl IntoIterator<Item = &'a String>) -> String {
    ids.into_iter()
        .filter(|id| !id.is_empty())
        .map(|id| format!("<{id}>"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The references of a reply: the original's, then the original itself
/// (RFC 5322 3.6.4).
fn reply_references(v: &View) -> String {
    bracketed(v.references.iter().chain([&v.message_id]))
}

pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<ComposeQuery>,
) -> Result<Html<String>, HttpError> {
    let signature = state.store.get_profile(signed.address()).await?.signature;
    let mut d = Draft {
        from: signed.address().to_string(),
        body: with_signature("", &signature),
        ..Default::default()
    };
    if let Some(id) = query.reply.as_deref() {
        let original = entry(&state.store, signed.address(), id).await?;
        let v = view(&bytes(&state.store, &original).await?, false);
        d.to = if v.reply_to.is_empty() {
            v.from.clone()
        } else {
            v.reply_to.clone()
        };
        if query.all.as_deref() == Some("1") {
            let me = signed.address().to_ascii_lowercase();
            let others: Vec<String> = split_list(&v.to)
                .into_iter()
                .chain(split_list(&v.cc))
                .map(str::trim)
                .filter(|a| !a.is_empty() && !a.to_ascii_lowercase().contains(&me))
                .map(str::to_string)
                .collect();
            d.cc = others.join(", ");
        }
        d.subject = prefixed("Re: ", &v.subject);
        d.body = with_signature(&format!("\n\n{}", quoted(&v)), &signature);
        d.in_reply_to = bracketed([&v.message_id]);
        d.references = reply_references(&v);
        d.reply_of = original.id;
    } else if let Some(id) = query.forward.as_deref() {
        let original = entry(&state.store, signed.address(), id).await?;
        let v = view(&bytes(&state.store, &original).await?, false);
        d.subject = prefixed("Fwd: ", &v.subject);
        d.body = with_signature(
            &format!(
                "\n\n---------- Forwarded message ----------\nFrom: {}\nDate: {}\nSubject: {}\nTo: {}\n\n{}",
                v.from, v.date, v.subject, v.to, v.body_text
            ),
            &signature,
        );
        d.carry = original.id;
        d.carried = v.attachments;
    } else if let Some(id) = query.draft.as_deref() {
        let saved = entry(&state.store, signed.address(), id).await?;
        let v = view(&bytes(&state.store, &saved).await?, false);
        d.bcc = v.bcc;
        d.in_reply_to = bracketed([&v.in_reply_to]);
        d.references = bracketed(&v.references);
        d.from = if v.from_address.is_empty() {
            d.from
        } else {
            v.from_address.clone()
        };
        d.to = v.to;
        d.cc = v.cc;
        d.subject = v.subject;
        d.body = v.body_text;
        d.draft = saved.id.clone();
        d.carry = saved.id;
        d.carried = v.attachments;
    } else if let Some(to) = query.to.as_deref() {
        d.to = to.to_string();
    }
    show(&state, &signed, d, None, query.done.as_deref())
        .await
        .map(Html)
}

async fn show(
    state: &AppState,
    signed: &SignedIn,
    d: Draft,
    error: Option<String>,
    done: Option<&str>,
) -> Result<String, HttpError> {
    let identities = identities(state, signed).await?;
    Ok(render(
        "compose.html",
        minijinja::context! {
            ..layout(state, signed, "compose").await?,
            ..minijinja::context! {
                title => "New message",
                d,
                identities,
                error,
                max_size => state.max_message_size,
                notice => notice(done),
            }
        },
    ))
}

/// The addresses the user may send as: its own, then its aliases.
pub async fn identities(state: &AppState, signed: &SignedIn) -> Result<Vec<String>, HttpError> {
    let mut out = vec![signed.address().to_string()];
    for alias in state.store.aliases_of(signed.address()).await? {
        if !alias.source.starts_with('@') && !out.contains(&alias.source) {
            out.push(alias.source);
        }
    }
    Ok(out)
}

/// A list of recipients as typed: addresses separated by commas or
/// semicolons, each bare or as `Name <address>`.
pub fn recipients(list: &str) -> Result<Vec<(Option<String>, String)>, HttpError> {
    let mut out = Vec::new();
    for item in split_list(list)
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (name, address) = match (item.rfind('<'), item.rfind('>')) {
            (Some(open), Some(close)) if open < close => {
                let name = item[..open].trim().trim_matches('"').trim();
                (
                    (!name.is_empty()).then(|| name.to_string()),
                    &item[open + 1..close],
                )
            }
            _ => (None, item),
        };
        let address = Address::parse(address)
            .map_err(|_| HttpError::Invalid(format!("{item:?} is not a mail address.")))?;
        out.push((name, address.to_string()));
    }
    Ok(out)
}

/// A typed list cut at the commas and semicolons outside quotes and angle
/// brackets (`"Doe, Jo" <jo@x>, ann@y` is two addresses).
fn split_list(list: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut angle, mut start) = (false, false, 0);
    for (i, c) in list.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | ';' if !quoted && !angle => {
                out.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&list[start..]);
    out
}

fn mb_list(list: &[(Option<String>, String)]) -> MbAddress<'static> {
    MbAddress::new_list(
        list.iter()
            .map(|(n, a)| MbAddress::new_address(n.clone(), a.clone()))
            .collect(),
    )
}

fn message_ids(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|id| id.trim_matches(['<', '>']).to_string())
        .filter(|id| !id.is_empty() && !id.contains(['<', '>', '\r', '\n']))
        .collect()
}

pub async fn submit(
    State(state): State<AppState>,
    signed: SignedIn,
    multipart: Multipart,
) -> Result<Response, HttpError> {
    let (fields, uploads) = form::multipart(multipart, signed.csrf()).await?;
    let saving = match fields.opt("action").unwrap_or("send") {
        "send" => false,
        "save" => true,
        other => {
            return Err(HttpError::BadRequest(format!(
                "There is no action {other:?}."
            )))
        }
    };
    let mut d = Draft {
        from: fields
            .opt("from")
            .unwrap_or(signed.address())
            .trim()
            .to_ascii_lowercase(),
        to: fields.opt("to").unwrap_or("").to_string(),
        cc: fields.opt("cc").unwrap_or("").to_string(),
        bcc: fields.opt("bcc").unwrap_or("").to_string(),
        subject: fields.opt("subject").unwrap_or("").to_string(),
        body: fields.opt("body").unwrap_or("").replace("\r\n", "\n"),
        in_reply_to: fields.opt("in_reply_to").unwrap_or("").to_string(),
        references: fields.opt("references").unwrap_or("").to_string(),
        reply_of: fields.opt("reply_of").unwrap_or("").to_string(),
        draft: fields.opt("draft").unwrap_or("").to_string(),
        carry: fields.opt("carry").unwrap_or("").to_string(),
        carried: Vec::new(),
    };
    match compose(&state, &signed, &d, &fields, uploads, saving).await {
        Ok(response) => Ok(response),
        Err(HttpError::Invalid(message)) | Err(HttpError::TooLarge(message)) => {
            // Shown again with what was typed (files must be chosen again).
            if !d.carry.is_empty() {
                if let Ok(e) = entry(&state.store, signed.address(), &d.carry).await {
                    d.carried = view(&bytes(&state.store, &e).await?, false).attachments;
                }
            }
            let page = show(&state, &signed, d, Some(message), None).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response())
        }
        Err(e) => Err(e),
    }
}

/// The addresses a message goes to, as typed in its three fields.
struct Addressees {
    to: Vec<(Option<String>, String)>,
    cc: Vec<(Option<String>, String)>,
    bcc: Vec<(Option<String>, String)>,
}

impl Addressees {
    /// Every address once, in the order typed: the envelope's recipients.
    fn envelope(&self) -> Vec<String> {
        let mut rcpts: Vec<String> = Vec::new();
        for (_, a) in self.to.iter().chain(&self.cc).chain(&self.bcc) {
            if !rcpts.contains(a) {
                rcpts.push(a.clone());
            }
        }
        rcpts
    }
}

async fn compose(
    state: &AppState,
    signed: &SignedIn,
    d: &Draft,
    fields: &Fields,
    uploads: Vec<Upload>,
    saving: bool,
) -> Result<Response, HttpError> {
    let mailbox = signed.address();
    if !state.store.may_send_as(mailbox, &d.from).await? {
        return Err(HttpError::Invalid(format!(
            "You may not send as {}: use your own address or one of your aliases.",
            d.from
        )));
    }
    let to = Addressees {
        to: recipients(&d.to)?,
        cc: recipients(&d.cc)?,
        bcc: recipients(&d.bcc)?,
    };
    let rcpts = to.envelope();
    let count = rcpts.len();
    if !saving && count == 0 {
        return Err(HttpError::Invalid("Add at least one recipient.".into()));
    }
    // Submission's bound, for mail sent from the browser too.
    if count > MAX_RECIPIENTS {
        return Err(HttpError::Invalid(format!(
            "A message goes to at most {MAX_RECIPIENTS} recipients; this one names {count}."
        )));
    }
    let message = build(state, signed, d, &to, fields, uploads, saving).await?;
    if message.len() as u64 > state.max_message_size {
        return Err(too_large(message.len() as u64, state.max_message_size));
    }
    if saving {
        if !state.store.has_room(mailbox, message.len() as i64).await? {
            return Err(HttpError::Invalid(
                "Your mailbox is full: the draft was not saved. Delete some mail and try again."
                    .into(),
            ));
        }
        let drafts = special_folder(state, signed, "\\Drafts").await?;
        let flags = vec![Flag::Draft.into(), Flag::Seen.into()];
        state
            .store
            .file_message(mailbox, &drafts.id, &message, None, flags)
            .await?;
        drop_old_draft(state, mailbox, &d.draft).await?;
        return Ok(back_to(Some(&with_notice(
            &format!("/mail?folder={}", super::enc(&drafts.name)),
            "draft",
        ))));
    }
    let kept = send(state, signed, d, rcpts, &message).await?;
    drop_old_draft(state, mailbox, &d.draft).await?;
    let notice = if kept { "sent" } else { "sentnocopy" };
    Ok(back_to(Some(&with_notice("/mail?folder=INBOX", notice))))
}

/// A message of `size` bytes, over the limit of `max`.
fn too_large(size: u64, max: u64) -> HttpError {
    HttpError::TooLarge(format!(
        "The message is {} with its attachments; at most {} can be sent.",
        mismo_core::display::bytes(size as i64),
        mismo_core::display::bytes(max as i64)
    ))
}

/// The message as the form describes it, attachments included.
async fn build(
    state: &AppState,
    signed: &SignedIn,
    d: &Draft,
    to: &Addressees,
    fields: &Fields,
    uploads: Vec<Upload>,
    saving: bool,
) -> Result<Vec<u8>, HttpError> {
    let display_name = signed
        .mailbox
        .display_name
        .clone()
        .filter(|n| !n.trim().is_empty());
    let message_id = format!("{}@{}", new_id().to_ascii_lowercase(), state.hostname);
    let mut builder = MessageBuilder::new()
        .from(MbAddress::new_address(display_name, d.from.clone()))
        .subject(d.subject.clone())
        .message_id(message_id)
        .text_body(d.body.replace('\n', "\r\n"));
    if !to.to.is_empty() {
        builder = builder.to(mb_list(&to.to));
    }
    if !to.cc.is_empty() {
        builder = builder.cc(mb_list(&to.cc));
    }
    // Bcc stays out of what is sent; a draft keeps it to send later.
    if saving && !to.bcc.is_empty() {
        builder = builder.bcc(mb_list(&to.bcc));
    }
    if let Some(id) = message_ids(&d.in_reply_to).into_iter().next() {
        builder = builder.in_reply_to(id);
    }
    let refs = message_ids(&d.references);
    if !refs.is_empty() {
        builder = builder.references(refs);
    }
    // Attachments carried over from the forwarded message or the draft,
    // those ticked to keep, each once however often it is named; and the
    // files sent with the form. Their size is checked before anything is
    // built: base64 makes each a third larger.
    let mut attachments: Vec<Attached> = Vec::new();
    if !d.carry.is_empty() {
        let mut keep = std::collections::BTreeSet::new();
        for n in fields.all("keep") {
            let n: usize = n
                .parse()
                .map_err(|_| HttpError::BadRequest("Bad attachment number.".into()))?;
            keep.insert(n);
        }
        let source = entry(&state.store, signed.address(), &d.carry).await?;
        let raw = bytes(&state.store, &source).await?;
        attachments = crate::message::attachments(&raw, keep)
            .ok_or_else(|| HttpError::NotFound("That attachment is gone.".into()))?;
    }
    for upload in uploads {
        let name = if upload.name.is_empty() {
            "attachment".to_string()
        } else {
            upload.name
        };
        attachments.push((name, upload.media_type, upload.bytes));
    }
    let encoded: u64 = attachments
        .iter()
        .map(|(_, _, body)| body.len() as u64 / 3 * 4)
        .sum::<u64>()
        + d.body.len() as u64;
    if encoded > state.max_message_size {
        return Err(too_large(encoded, state.max_message_size));
    }
    for (name, media_type, body) in attachments {
        builder = builder.attachment(media_type, name, body);
    }
    builder
        .write_to_vec()
        .map_err(|_| HttpError::Invalid("The message could not be built.".into()))
}

/// Queues the message as submission would, files a copy in Sent (if the
/// mailbox's quota has room: whether it had) and marks what it answers.
async fn send(
    state: &AppState,
    signed: &SignedIn,
    d: &Draft,
    rcpts: Vec<String>,
    message: &[u8],
) -> Result<bool, HttpError> {
    let mailbox = signed.address();
    take_allowance(state, mailbox, rcpts.len()).await?;
    let id = new_id();
    let single = (rcpts.len() == 1).then(|| rcpts[0].as_str());
    let received = Trace {
        helo: "webmail",
        client_ip: signed.ip,
        hostname: &state.hostname,
        via: Via::Http,
        tls: false,
        authenticated: true,
        id: &id,
        single_recipient: single,
        time: now_ms() / 1000,
    }
    .header();
    let mut wire = received.into_bytes();
    wire.extend_from_slice(message);
    let origin = Origin {
        client_ip: signed.ip.to_string(),
        helo: "webmail".into(),
        auth_user: Some(mailbox.to_string()),
        listener: "webmail".into(),
        engine: state.hostname.clone(),
    };
    let recipients = rcpts
        .into_iter()
        .map(|a| Recipient::pending(a, None, None))
        .collect();
    let new = NewMessage::new(id, d.from.clone(), recipients, origin);
    let queued = state.store.enqueue_new(new, &wire).await?;
    tracing::info!(mailbox, id = %queued.id, "webmail message enqueued");
    let kept = state.store.has_room(mailbox, message.len() as i64).await?;
    if kept {
        let sent = special_folder(state, signed, "\\Sent").await?;
        let flags = vec![Flag::Seen.into()];
        state
            .store
            .file_message(mailbox, &sent.id, message, None, flags)
            .await?;
    } else {
        tracing::info!(mailbox, "sent; no copy kept in Sent: the mailbox is full");
    }
    if !d.reply_of.is_empty() {
        if let Ok(original) = entry(&state.store, mailbox, &d.reply_of).await {
            let answered = [Flag::Answered.to_string()];
            state
                .store
                .change_flags(
                    mailbox,
                    &original.folder,
                    &[original.uid],
                    FlagChange::Add(&answered),
                )
                .await?;
        }
    }
    Ok(kept)
}

/// Counts one message to `recipients` toward the mailbox's hourly limits,
/// the same ones submission counts against, or refuses it.
async fn take_allowance(
    state: &AppState,
    mailbox: &str,
    recipients: usize,
) -> Result<(), HttpError> {
    let limits = state.send_limits;
    let recipients = u32::try_from(recipients).unwrap_or(u32::MAX);
    let taken = match limits.take_message(&state.store, mailbox).await? {
        Ok(()) => {
            limits
                .take_recipients(&state.store, mailbox, recipients)
                .await?
        }
        over => over,
    };
    taken.map_err(|over| HttpError::Limited(over.to_string()))
}

/// Removes the draft a sent or re-saved message replaces, if it is one.
async fn drop_old_draft(state: &AppState, mailbox: &str, id: &str) -> Result<(), HttpError> {
    if id.is_empty() {
        return Ok(());
    }
    if let Ok(old) = entry(&state.store, mailbox, id).await {
        if old.has(Flag::Draft) {
            state.store.delete_entries(mailbox, &[old.id]).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_parsed_or_named() {
        let r =
            recipients("Ann <Ann@Example.org>, bob@example.org; \"Carl C\" <carl@example.org>,")
                .unwrap();
        assert_eq!(
            r,
            [
                (Some("Ann".to_string()), "ann@example.org".to_string()),
                (None, "bob@example.org".to_string()),
                (Some("Carl C".to_string()), "carl@example.org".to_string()),
            ]
        );
        assert!(
            matches!(recipients("not an address"), Err(HttpError::Invalid(m)) if m.contains("not an address"))
        );
        assert!(recipients("").unwrap().is_empty());
        let quoted = recipients("\"Doe, Jo\" <jo@example.org>; ann@example.org").unwrap();
        assert_eq!(
            quoted[0],
            (Some("Doe, Jo".to_string()), "jo@example.org".to_string())
        );
        assert_eq!(quoted[1].1, "ann@example.org");
        // What the page shows of a message's addresses reads back the same.
        let v = crate::message::view(
            b"To: \"Doe, Jo\" <jo@example.org>, ann@example.org\r\n\r\n",
            false,
        );
        assert_eq!(recipients(&v.to).unwrap().len(), 2, "{}", v.to);
    }

    #[test]
    fn replies_quote_and_reference() {
        assert_eq!(prefixed("Re: ", "Re: hi"), "Re: hi");
        assert_eq!(prefixed("Re: ", "hi"), "Re: hi");
        assert_eq!(prefixed("Fwd: ", "RE: hi"), "Fwd: RE: hi");
        let v = crate::message::view(
            b"From: a@example.org\r\nMessage-ID: <m2@x>\r\nReferences: <m0@x> <m1@x>\r\nSubject: s\r\n\r\nline\r\n> old\r\n",
            false,
        );
        assert_eq!(reply_references(&v), "<m0@x> <m1@x> <m2@x>");
        assert!(quoted(&v).ends_with("> line\n>> old\n"), "{}", quoted(&v));
        assert_eq!(message_ids("<a@x> <b@y>\r\n<c"), ["a@x", "b@y", "c"]);
        assert_eq!(with_signature("hi", "  "), "hi");
        assert_eq!(with_signature("hi", "Ann\n"), "hi\n\n-- \nAnn");
    }
}
