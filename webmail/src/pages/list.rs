//! The message list of a folder: paged, sorted, searched; and what can be
//! done to the messages ticked in it.

use axum::extract::{Query, State};
use axum::response::{Html, Response};
use mail_parser::MessageParser;
use mismo_core::model::{Flag, Folder, MailboxEntry, Uid};
use mismo_core::store::{FlagChange, ListOrder};
use serde::{Deserialize, Serialize};

use super::{
    back_to, folder, folder_links, layout_with, notice, special_folder, with_notice, FolderLink,
};
use crate::message::{bytes, looks_attached};
use crate::session::SignedIn;
use crate::state::AppState;
use crate::templates::render;
use mismo_core::web::ChangeForm;
use mismo_core::web::HttpError;

/// Messages on a page.
pub const PAGE_SIZE: u64 = 50;
/// A search looks through at most this many messages (newest first) and
/// says so when it stops there.
const SEARCH_LIMIT: usize = 5_000;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    folder: Option<String>,
    page: Option<u64>,
    sort: Option<String>,
    order: Option<String>,
    q: Option<String>,
    #[serde(rename = "in")]
    scope: Option<String>,
    done: Option<String>,
}

/// One row of the list.
#[derive(Debug, Serialize)]
struct Row {
    id: String,
    from: String,
    subject: String,
    received_at: i64,
    size: i64,
    unread: bool,
    flagged: bool,
    answered: bool,
    attached: bool,
    draft: bool,
    /// The folder's name, in a search of every folder.
    folder: String,
    /// Its recipients (shown instead of the sender in Sent and Drafts).
    to: String,
}

fn row(e: &MailboxEntry, folder: &str) -> Row {
    Row {
        id: e.id.clone(),
        from: e.from.clone().unwrap_or_default(),
        subject: e.subject.clone().unwrap_or_default(),
        received_at: e.received_at,
        size: e.size,
        unread: !e.is_seen(),
        flagged: e.has(Flag::Flagged),
        answered: e.has(Flag::Answered),
        attached: looks_attached(e.header.as_deref()),
        draft: e.has(Flag::Draft),
        folder: folder.to_string(),
        to: recipients(e.header.as_deref()),
    }
}

/// The To addresses of a kept header block, as people read them.
fn recipients(header: Option<&[u8]>) -> String {
    header
        .and_then(|h| MessageParser::new().parse_headers(h))
        .map(|m| crate::message::addresses(m.to()))
        .unwrap_or_default()
}

fn order(sort: Option<&str>) -> Result<ListOrder, HttpError> {
    Ok(match sort.unwrap_or("date") {
        "date" => ListOrder::Date,
        "from" => ListOrder::Sender,
        "subject" => ListOrder::Subject,
        "size" => ListOrder::Size,
        other => {
            return Err(HttpError::BadRequest(format!(
                "Cannot sort by {other:?}: use date, from, subject or size."
            )))
        }
    })
}

pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, HttpError> {
    let name = query.folder.as_deref().unwrap_or("INBOX");
    let folder = folder(&state, &signed, name).await?;
    let sort = query.sort.as_deref().unwrap_or("date");
    let by = order(Some(sort))?;
    let descending = match query.order.as_deref().unwrap_or("desc") {
        "desc" => true,
        "asc" => false,
        other => {
            return Err(HttpError::BadRequest(format!(
                "Order {other:?} is neither asc nor desc."
            )))
        }
    };
    let page = query.page.unwrap_or(1).max(1);
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let all_folders = query.scope.as_deref() == Some("all");
    let links = folder_links(&state, &signed).await?;
    let (rows, total, truncated) = match q {
        None => {
            let skip = (page - 1) * PAGE_SIZE;
            let mailbox = signed.address();
            let entries = if by == ListOrder::Date && descending {
                state
                    .store
                    .newest_page(mailbox, &folder.id, skip, PAGE_SIZE as i64)
                    .await?
            } else {
                state
                    .store
                    .folder_page(mailbox, &folder.id, by, descending, skip, PAGE_SIZE as i64)
                    .await?
            };
            let total = links
                .iter()
                .find(|l| l.name == folder.name)
                .map_or(0, |l| l.total);
            let rows: Vec<Row> = entries.iter().map(|e| row(e, "")).collect();
            (rows, total, false)
        }
        Some(q) => search(&state, &signed, &links, &folder, all_folders, q, page).await?,
    };
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page_html = render(
        "list.html",
        minijinja::context! {
            ..layout_with(&state, &signed, "mail", links).await?,
            ..minijinja::context! {
                title => folder.name.clone(),
                folder => folder.name.clone(),
                is_trash => folder.special_use.as_deref() == Some("\\Trash"),
                is_junk => folder.special_use.as_deref() == Some("\\Junk"),
                is_drafts => folder.special_use.as_deref() == Some("\\Drafts"),
                outgoing => matches!(folder.special_use.as_deref(), Some("\\Sent" | "\\Drafts")),
                rows,
                total,
                page,
                pages,
                sort,
                order => if descending { "desc" } else { "asc" },
                q => q.unwrap_or(""),
                all_folders,
                truncated,
                notice => notice(query.done.as_deref()),
            }
        },
    );
    Ok(Html(page_html))
}

/// What a search word is matched against.
fn matches(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(needle)
}

/// The messages of one folder (or all) whose sender, recipients, subject
/// or body contain `q`, case-insensitively; a page of them, how many in
/// all, and whether the search stopped at its limit.
async fn search(
    state: &AppState,
    signed: &SignedIn,
    links: &[FolderLink],
    folder: &Folder,
    all_folders: bool,
    q: &str,
    page: u64,
) -> Result<(Vec<Row>, u64, bool), HttpError> {
    let needle = q.to_lowercase();
    // Each message's folder by name, from the side bar's list.
    let names: std::collections::HashMap<&str, &str> = links
        .iter()
        .map(|l| (l.id.as_str(), l.name.as_str()))
        .collect();
    let scope = [folder.id.clone()];
    let candidates = state
        .store
        .search_candidates(signed.address(), (!all_folders).then_some(&scope[..]))
        .await?;
    let truncated = candidates.len() > SEARCH_LIMIT;
    let mut found = Vec::new();
    for entry in candidates.into_iter().take(SEARCH_LIMIT) {
        if entry_matches(state, &entry, &needle).await? {
            found.push(entry);
        }
    }
    let total = found.len() as u64;
    let rows = found
        .iter()
        .skip(((page - 1) * PAGE_SIZE) as usize)
        .take(PAGE_SIZE as usize)
        .map(|e| row(e, names.get(e.folder.as_str()).copied().unwrap_or("")))
        .collect();
    Ok((rows, total, truncated))
}

/// Sender, recipients and subject from the kept header block; the body only
/// when those do not match (and the addresses from the whole message when
/// no header block was kept).
async fn entry_matches(
    state: &AppState,
    entry: &MailboxEntry,
    needle: &str,
) -> Result<bool, HttpError> {
    let addresses_match = |m: &mail_parser::Message| {
        [
            crate::message::addresses(m.from()),
            crate::message::addresses(m.to()),
            crate::message::addresses(m.cc()),
        ]
        .iter()
        .any(|f| matches(f, needle))
    };
    let kept = entry
        .header
        .as_deref()
        .and_then(|h| MessageParser::new().parse_headers(h));
    match &kept {
        Some(h) if addresses_match(h) || matches(h.subject().unwrap_or(""), needle) => {
            return Ok(true)
        }
        None if entry.header.is_none()
            && (entry.subject.as_deref().is_some_and(|s| matches(s, needle))
                || entry.from.as_deref().is_some_and(|s| matches(s, needle))) =>
        {
            return Ok(true)
        }
        _ => {}
    }
    let raw = match bytes(&state.store, entry).await {
        Ok(raw) => raw,
        // Removed while searching.
        Err(HttpError::NotFound(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    let Some(message) = MessageParser::default().parse(&raw) else {
        return Ok(false);
    };
    if kept.is_none() && addresses_match(&message) {
        return Ok(true);
    }
    let mut text = String::new();
    for i in 0..message.text_body_count().max(1) {
        if let Some(t) = message.body_text(i) {
            text.push_str(&t);
        }
    }
    Ok(matches(&text, needle))
}

/// Acts on the ticked messages (`id`, repeated) of one folder (`folder`):
/// `action` is read, unread, flag, unflag, delete (to Trash; from Trash,
/// for good), junk, notjunk (back to INBOX) or move (to `target`).
pub async fn act(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Response, HttpError> {
    let action = fields.get("action")?;
    let source = folder(&state, &signed, fields.get("folder")?).await?;
    let ids: Vec<String> = fields.all("id").into_iter().map(str::to_string).collect();
    let back = fields.opt("back");
    if ids.is_empty() {
        return Err(HttpError::Invalid(
            "Tick at least one message first.".into(),
        ));
    }
    let mailbox = signed.address();
    // Only this mailbox's messages in this folder: ids of other mailboxes
    // or folders are not found.
    let found: Vec<MailboxEntry> = state
        .store
        .get_entries(mailbox, &ids)
        .await?
        .into_iter()
        .filter(|e| e.folder == source.id)
        .collect();
    if found.len() != ids.len() {
        return Err(crate::error::no_such_message());
    }
    let uids: Vec<Uid> = found.iter().map(|e| e.uid).collect();
    let code = match action {
        "read" | "unread" | "flag" | "unflag" => {
            let (flag, add) = match action {
                "read" => (Flag::Seen, true),
                "unread" => (Flag::Seen, false),
                "flag" => (Flag::Flagged, true),
                _ => (Flag::Flagged, false),
            };
            let flags = [flag.to_string()];
            let change = if add {
                FlagChange::Add(&flags)
            } else {
                FlagChange::Remove(&flags)
            };
            state
                .store
                .change_flags(mailbox, &source.id, &uids, change)
                .await?;
            "flags"
        }
        "delete" if source.special_use.as_deref() == Some("\\Trash") => {
            state.store.delete_entries(mailbox, &ids).await?;
            "purged"
        }
        "delete" => {
            let trash = special_folder(&state, &signed, "\\Trash").await?;
            move_entries(&state, mailbox, &found, &trash).await?;
            "deleted"
        }
        "junk" => {
            let junk = special_folder(&state, &signed, "\\Junk").await?;
            move_entries(&state, mailbox, &found, &junk).await?;
            "junk"
        }
        "notjunk" | "restore" => {
            let inbox = folder(&state, &signed, "INBOX").await?;
            move_entries(&state, mailbox, &found, &inbox).await?;
            "moved"
        }
        "move" => {
            let target = fields.get("target")?;
            if target.is_empty() {
                return Err(HttpError::Invalid("Choose a folder to move to.".into()));
            }
            let target = folder(&state, &signed, target).await?;
            move_entries(&state, mailbox, &found, &target).await?;
            "moved"
        }
        other => {
            return Err(HttpError::BadRequest(format!(
                "There is no action {other:?}."
            )));
        }
    };
    // Back to the list (a message that moved away has no page to return to).
    let list = format!("/mail?folder={}", super::enc(&source.name));
    let back = match back {
        Some(b) if code == "flags" => b.to_string(),
        _ => list,
    };
    Ok(back_to(Some(&with_notice(&back, code))))
}

/// Moves messages to another folder: each filed there anew (a new UID, as
/// IMAP MOVE does), then removed here. Moving into the same folder does
/// nothing.
pub async fn move_entries(
    state: &AppState,
    mailbox: &str,
    entries: &[MailboxEntry],
    target: &Folder,
) -> Result<(), HttpError> {
    let moving: Vec<&MailboxEntry> = entries.iter().filter(|e| e.folder != target.id).collect();
    for e in &moving {
        state.store.copy_entry(mailbox, &e.id, &target.id).await?;
    }
    let ids: Vec<String> = moving.iter().map(|e| e.id.clone()).collect();
    if !ids.is_empty() {
        state.store.delete_entries(mailbox, &ids).await?;
    }
    Ok(())
}
