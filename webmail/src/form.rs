//! Multipart forms (compose with its attachments, the picture upload):
//! their text fields and their files. Url-encoded forms and the CSRF check
//! are `mismo_core::web`'s, shared with the console.

use axum::extract::Multipart;
use mismo_core::web::{Fields, HttpError, Sessions};

use crate::state::AppState;

/// A file sent with a multipart form.
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    /// The name it had on the sender's disk (may be empty).
    pub name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// Reads a multipart form that changes something: its text fields, and
/// its files (a file input left empty, which still sends a part without
/// name or bytes, is left out). Refused unless it carries `csrf`, its
/// session's token (read with the fields, which come in the same body).
pub async fn multipart(
    mut form: Multipart,
    csrf: &str,
) -> Result<(Fields, Vec<Upload>), HttpError> {
    let unreadable = |_| HttpError::BadRequest("The form could not be read; try again.".into());
    let mut fields = Vec::new();
    let mut uploads = Vec::new();
    while let Some(part) = form.next_field().await.map_err(unreadable)? {
        let field = part.name().unwrap_or("").to_string();
        if let Some(name) = part.file_name().map(str::to_string) {
            let media_type = part
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_ascii_lowercase();
            let bytes = part.bytes().await.map_err(unreadable)?.to_vec();
            if !name.is_empty() || !bytes.is_empty() {
                uploads.push(Upload {
                    field,
                    name,
                    media_type,
                    bytes,
                });
            }
        } else {
            fields.push((field, part.text().await.map_err(unreadable)?));
        }
    }
    let fields = Fields(fields);
    fields.check_csrf(csrf, AppState::APP)?;
    Ok((fields, uploads))
}
