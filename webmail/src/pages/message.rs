//! Reading one message: the page (marking it read), its header block, its
//! raw source and its attachments as downloads.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use mismo_core::model::Flag;
use mismo_core::store::FlagChange;
use serde::Deserialize;

use super::{folder_links, layout, layout_with, notice};
use crate::message::{attachment as find_attachment, bytes, entry, view};
use crate::render::html::{frame_document, style_hashes};
use crate::session::SignedIn;
use crate::state::AppState;
use crate::templates::render;
use mismo_core::web::HttpError;

#[derive(Debug, Deserialize)]
pub struct MessageQuery {
    /// `1`: show this message's remote images.
    images: Option<String>,
    done: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<MessageQuery>,
) -> Result<Response, HttpError> {
    let mailbox = signed.address();
    let entry = entry(&state.store, mailbox, &id).await?;
    let raw = bytes(&state.store, &entry).await?;
    let show_remote = query.images.as_deref() == Some("1");
    let v = view(&raw, show_remote);
    if !entry.is_seen() {
        let seen = [Flag::Seen.to_string()];
        state
            .store
            .change_flags(mailbox, &entry.folder, &[entry.uid], FlagChange::Add(&seen))
            .await?;
    }
    // The side bar's folders also say which one holds the message.
    let links = folder_links(&state, &signed).await?;
    let folder = links.iter().find(|l| l.id == entry.folder);
    let folder_name = folder.map_or_else(|| "INBOX".to_string(), |f| f.name.clone());
    let is_trash = folder.is_some_and(|f| f.role == "trash");
    let is_junk = folder.is_some_and(|f| f.role == "junk");
    let other_folders: Vec<String> = links
        .iter()
        .filter(|l| l.id != entry.folder)
        .map(|l| l.name.clone())
        .collect();
    let frame = v
        .is_html
        .then(|| frame_document(&v.body_html, &v.styles, show_remote));
    // The page's own policy: the strict one, plus what the message frame
    // needs: images as asked, and exactly the inline styles it keeps.
    let images = if show_remote {
        "'self' data: https: http:"
    } else {
        "'self' data:"
    };
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'{}; img-src {images}; \
         connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        style_hashes(&v.styles)
    );
    let page = render(
        "message.html",
        minijinja::context! {
            ..layout_with(&state, &signed, "mail", links).await?,
            ..minijinja::context! {
                title => if v.subject.is_empty() { "(no subject)".to_string() } else { v.subject.clone() },
                id => entry.id.clone(),
                folder => folder_name,
                is_trash,
                is_junk,
                is_draft => entry.has(Flag::Draft),
                flagged => entry.has(Flag::Flagged),
                size => entry.size,
                received_at => entry.received_at,
                frame,
                show_remote,
                m => v,
                other_folders,
                notice => notice(query.done.as_deref()),
            }
        },
    );
    let mut response = Html(page).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&csp).map_err(|_| HttpError::Unavailable)?,
    );
    Ok(response)
}

/// The header block as received, on a page of its own.
pub async fn headers(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, HttpError> {
    let entry = entry(&state.store, signed.address(), &id).await?;
    let raw = bytes(&state.store, &entry).await?;
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |p| p + 2);
    let header_text = String::from_utf8_lossy(&raw[..end]).into_owned();
    let page = render(
        "headers.html",
        minijinja::context! {
            ..layout(&state, &signed, "mail").await?,
            ..minijinja::context! {
                title => "Message headers",
                id => entry.id,
                header_text,
            }
        },
    );
    Ok(Html(page))
}

/// A download: never shown in the page, never sniffed, never scripted.
fn download(name: &str, media_type: &str, body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&content_disposition(name)).expect("ASCII header"),
    );
    // Opened directly anyway (a typed address), it runs nothing.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// The message as received, as an `.eml` file.
pub async fn raw(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let entry = entry(&state.store, signed.address(), &id).await?;
    let raw = bytes(&state.store, &entry).await?;
    let name = format!("{}.eml", entry.subject.as_deref().unwrap_or("message"));
    Ok(download(&name, "message/rfc822", raw))
}

/// Attachment `n` of a message.
pub async fn attachment(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, HttpError> {
    let n: usize = n
        .parse()
        .map_err(|_| HttpError::NotFound("There is no such attachment.".into()))?;
    let entry = entry(&state.store, signed.address(), &id).await?;
    let raw = bytes(&state.store, &entry).await?;
    let (name, media_type, body) = find_attachment(&raw, n)
        .ok_or_else(|| HttpError::NotFound("There is no such attachment.".into()))?;
    Ok(download(&name, safe_media_type(&media_type), body))
}

/// The type a download is served as: what the sender said for types a
/// browser only ever shows as data, `application/octet-stream` for any that
/// could run script or restyle a page (HTML, SVG, XML, JavaScript, CSS...).
pub fn safe_media_type(media_type: &str) -> &str {
    const SHOWN_AS_DATA: &[&str] = &[
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "audio/mpeg",
        "video/mp4",
        "text/calendar",
    ];
    if SHOWN_AS_DATA.contains(&media_type) {
        media_type
    } else {
        "application/octet-stream"
    }
}

/// `attachment` with the file's name twice: an ASCII fallback without
/// quotes, slashes or controls, and the whole name percent-encoded (RFC
/// 6266 `filename*`). A name can neither break out of the header nor
/// reach outside the download folder.
pub fn content_disposition(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let base = if base.is_empty() || base == "." || base == ".." {
        "attachment"
    } else {
        base
    };
    let ascii: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !"\"\\;%".contains(c) || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(base, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_are_safe() {
        assert_eq!(
            content_disposition("../../etc/passwd"),
            "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"
        );
        let d = content_disposition("a\"b\r\nX-Evil: 1.txt");
        assert!(!d.contains('\r') && !d.contains('\n'), "{d}");
        assert!(
            d.starts_with("attachment; filename=\"a_b__X-Evil: 1.txt\""),
            "{d}"
        );
        assert!(content_disposition("Bericht für Jörg.pdf")
            .contains("filename*=UTF-8''Bericht%20f%C3%BCr%20J%C3%B6rg%2Epdf"));
        assert_eq!(
            content_disposition(".."),
            "attachment; filename=\"attachment\"; filename*=UTF-8''attachment"
        );
    }

    #[test]
    fn risky_types_download_as_bytes() {
        for t in [
            "text/html",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/xml",
            "application/javascript",
            "text/css",
        ] {
            assert_eq!(safe_media_type(t), "application/octet-stream", "{t}");
        }
        assert_eq!(safe_media_type("image/png"), "image/png");
        assert_eq!(safe_media_type("application/pdf"), "application/pdf");
    }
}
