//! The pages: what a signed-in user sees and does. Each module serves one
//! part of the app; this one holds what they share (the layout's folder
//! list, redirects back) and the static files.

mod assets;
mod compose;
mod folders;
mod list;
mod message;
mod settings;

use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use mismo_core::model::Folder;
use serde::Serialize;

use crate::session::SignedIn;
use crate::state::AppState;
use mismo_core::web::HttpError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/mail?folder=INBOX") }))
        .route("/mail", get(list::page))
        .route("/messages", post(list::act))
        .route("/message/{id}", get(message::page))
        .route("/message/{id}/headers", get(message::headers))
        .route("/message/{id}/raw", get(message::raw))
        .route("/message/{id}/attachment/{n}", get(message::attachment))
        .route("/folders", get(folders::page))
        .route("/folders/create", post(folders::create))
        .route("/folders/rename", post(folders::rename))
        .route("/folders/delete", post(folders::delete))
        .route("/folders/empty", post(folders::empty))
        .route("/compose", get(compose::page).post(compose::submit))
        .route("/settings", get(settings::page))
        .route("/settings/profile", post(settings::profile))
        .route("/settings/picture", post(settings::picture))
        .route("/settings/password", post(settings::password))
        .route("/settings/vacation", post(settings::vacation))
        .route("/settings/pgp-key", get(settings::pgp_key))
        .route("/picture", get(settings::picture_file))
        .merge(assets::routes())
}

/// A folder in the side bar.
#[derive(Debug, Serialize)]
pub struct FolderLink {
    /// The folder's id, for finding a message's folder among the links.
    #[serde(skip)]
    pub id: String,
    pub name: String,
    /// The last level of the name, shown indented by `depth`.
    pub label: String,
    pub depth: usize,
    pub total: u64,
    pub unread: u64,
    /// RFC 6154 use, lower-case without the backslash (`sent`, `trash`).
    pub role: String,
}

/// Folders in the order the side bar shows them: INBOX, the special-use
/// folders, then the user's own by name.
pub async fn folder_links(
    state: &AppState,
    signed: &SignedIn,
) -> Result<Vec<FolderLink>, HttpError> {
    let mut folders = state.store.list_folders(signed.address()).await?;
    folders.sort_by_key(|f| (rank(f), f.name.clone()));
    let names: Vec<String> = folders.iter().map(|f| f.name.clone()).collect();
    let mut out = Vec::with_capacity(folders.len());
    for f in folders {
        let (total, unread) = state.counts.of(&state.store, &f).await?;
        // Shown as the last level below its parent; in full when the parent
        // is not a folder itself (IMAP allows that).
        let (label, depth) = match f.name.rsplit_once(mismo_core::model::SEPARATOR) {
            Some((parent, last)) if names.iter().any(|n| n == parent) => (
                last.to_string(),
                f.name.matches(mismo_core::model::SEPARATOR).count(),
            ),
            _ => (f.name.clone(), 0),
        };
        out.push(FolderLink {
            id: f.id,
            label,
            depth,
            total,
            unread,
            role: f
                .special_use
                .as_deref()
                .map(|u| u.trim_start_matches('\\').to_ascii_lowercase())
                .unwrap_or_else(|| {
                    if Folder::is_inbox(&f.name) {
                        "inbox".into()
                    } else {
                        String::new()
                    }
                }),
            name: f.name,
        });
    }
    Ok(out)
}

fn rank(f: &Folder) -> u8 {
    if Folder::is_inbox(&f.name) {
        return 0;
    }
    match f.special_use.as_deref() {
        Some("\\Drafts") => 1,
        Some("\\Sent") => 2,
        Some("\\Junk") => 3,
        Some("\\Trash") => 4,
        _ => 5,
    }
}

/// What every signed-in page's layout needs.
pub async fn layout(
    state: &AppState,
    signed: &SignedIn,
    nav: &str,
) -> Result<minijinja::Value, HttpError> {
    let links = folder_links(state, signed).await?;
    layout_with(state, signed, nav, links).await
}

/// [`layout`] with the folder list already read (the message list takes
/// its folder's count from it).
pub async fn layout_with(
    state: &AppState,
    signed: &SignedIn,
    nav: &str,
    links: Vec<FolderLink>,
) -> Result<minijinja::Value, HttpError> {
    let profile = state.store.get_profile(signed.address()).await?;
    Ok(minijinja::context! {
        address => signed.address(),
        display_name => signed.mailbox.display_name.clone().unwrap_or_default(),
        has_picture => profile.picture_type.is_some(),
        csrf => signed.csrf(),
        folders => links,
        nav,
    })
}

/// A folder of this mailbox by name, or 404.
pub async fn folder(state: &AppState, signed: &SignedIn, name: &str) -> Result<Folder, HttpError> {
    state
        .store
        .get_folder(signed.address(), name)
        .await?
        .ok_or_else(|| HttpError::NotFound(format!("There is no folder named {name:?}.")))
}

/// The folder with a special use (`\Trash`, `\Sent`, ...), made again
/// under its usual name if the user deleted it over IMAP.
pub async fn special_folder(
    state: &AppState,
    signed: &SignedIn,
    usage: &str,
) -> Result<Folder, HttpError> {
    let folders = state.store.list_folders(signed.address()).await?;
    if let Some(f) = folders
        .into_iter()
        .find(|f| f.special_use.as_deref() == Some(usage))
    {
        return Ok(f);
    }
    state.store.ensure_default_folders(signed.address()).await?;
    state
        .store
        .list_folders(signed.address())
        .await?
        .into_iter()
        .find(|f| f.special_use.as_deref() == Some(usage))
        .ok_or(HttpError::Unavailable)
}

/// A redirect to `back` if it is a path of this app, else to the inbox:
/// a form's return address never leads elsewhere.
pub fn back_to(back: Option<&str>) -> Response {
    let safe = back.filter(|b| {
        b.starts_with('/')
            && !b.starts_with("//")
            && !b.contains('\\')
            && !b.chars().any(char::is_control)
    });
    Redirect::to(safe.unwrap_or("/mail?folder=INBOX")).into_response()
}

/// A path with `done=CODE`: the next page says what was done, in words of
/// its own (never text from the address, which anyone can write).
pub fn with_notice(path: &str, code: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}done={}", enc(code))
}

/// What a `done` code says.
pub fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "sent" => "Message sent.",
        "sentnocopy" => "Message sent. Your mailbox is full, so no copy was kept in Sent.",
        "draft" => "Draft saved to Drafts.",
        "moved" => "Moved.",
        "deleted" => "Moved to Trash.",
        "purged" => "Deleted for good.",
        "junk" => "Moved to Junk.",
        "flags" => "Marks changed.",
        "emptied" => "Folder emptied.",
        "created" => "Folder created.",
        "renamed" => "Folder renamed.",
        "removed" => "Folder deleted.",
        "profile" => "Profile saved.",
        "picture" => "Picture saved.",
        "nopicture" => "Picture removed.",
        "password" => "Password changed. Your other sessions were signed out.",
        "vacation" => "Auto-reply saved.",
        _ => return None,
    })
}

/// Percent-encodes a query value.
pub fn enc(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_never_leads_away() {
        let location = |b: Option<&str>| {
            back_to(b).headers()["location"]
                .to_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(location(Some("/mail?folder=Sent")), "/mail?folder=Sent");
        assert_eq!(location(Some("//evil.test/")), "/mail?folder=INBOX");
        assert_eq!(location(Some("https://evil.test/")), "/mail?folder=INBOX");
        assert_eq!(location(Some("/\\evil.test")), "/mail?folder=INBOX");
        assert_eq!(location(None), "/mail?folder=INBOX");
        assert_eq!(
            with_notice("/mail?folder=INBOX", "sent"),
            "/mail?folder=INBOX&done=sent"
        );
        assert_eq!(notice(Some("sent")), Some("Message sent."));
        assert_eq!(notice(Some("<b>hi</b>")), None);
    }
}
