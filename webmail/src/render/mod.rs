//! Turning a message's bodies into something a browser may show: HTML
//! sanitized ([`html`]), plain text escaped and linked ([`text`]).

pub mod html;
pub mod text;
