//! HTML mail, made safe to show.
//!
//! ammonia parses the HTML as a browser would and keeps only an allowlist:
//! no script, no SVG or MathML, no forms, no `<style>` or `<link>` (so no
//! `@import`), no `<meta>` (no refresh), no frames, no event handlers.
//! Inline `style` attributes keep a short list of layout properties, and
//! none whose value could fetch or compute anything (`url()`,
//! `expression()`, `var()`, escapes). Links open outside the page with no
//! referrer; relative URLs, which would point at webmail itself, go.
//! Remote images lose their address unless the reader asked for them;
//! `cid:` images become `data:` URLs of the message's own image parts.
//!
//! The result is shown in a sandboxed `srcdoc` iframe without scripts,
//! under a CSP of its own (`frame_document`), so a gap in this list would
//! still not run anything.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use base64::Engine;

/// What cleaning found beside the clean HTML.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleaned {
    pub html: String,
    /// Remote images left out because the reader has not asked for them.
    pub blocked_images: usize,
    /// Each distinct `style` attribute kept, for the CSP's hashes.
    pub styles: Vec<String>,
}

/// Style properties kept in `style` attributes: how text and boxes look,
/// nothing that places content over the page or fetches anything.
const STYLE_PROPERTIES: &[&str] = &[
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "text-align",
    "text-decoration",
    "text-transform",
    "line-height",
    "letter-spacing",
    "vertical-align",
    "white-space",
    "width",
    "max-width",
    "min-width",
    "height",
    "max-height",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-collapse",
    "border-spacing",
    "border-radius",
    "display",
    "table-layout",
    "list-style-type",
];

/// Words that have no business in a kept style value: what fetches
/// (`url(`, `image-set(`, `@import`), computes (`expression(`, `var(`,
/// `calc(` holding one of them), or hides one of those (`\` escapes, comments).
fn style_is_safe(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    ![
        "url(",
        "image",
        "expression",
        "var(",
        "@import",
        "\\",
        "/*",
        "behavior",
        "binding",
        "javascript:",
        "attr(",
    ]
    .iter()
    .any(|bad| v.contains(bad))
}

/// Cleans `html`. `cid_images` maps a Content-ID (without `<>`) to its
/// `data:` URL; `show_remote` lets `http(s)` images keep their address.
pub fn clean(html: &str, cid_images: HashMap<String, String>, show_remote: bool) -> Cleaned {
    let blocked = Arc::new(Mutex::new(0usize));
    let styles = Arc::new(Mutex::new(Vec::<String>::new()));
    let (blocked_in, styles_in) = (Arc::clone(&blocked), Arc::clone(&styles));
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["font", "center", "big"])
        .add_tag_attributes("font", ["color", "face", "size"])
        .add_tag_attributes(
            "table",
            ["width", "border", "cellpadding", "cellspacing", "bgcolor"],
        )
        .add_tag_attributes("td", ["width", "height", "valign", "bgcolor"])
        .add_tag_attributes("th", ["width", "height", "valign", "bgcolor"])
        .add_tag_attributes("tr", ["valign", "bgcolor"])
        .add_tag_attributes("p", ["align"])
        .add_tag_attributes("div", ["align"])
        .add_generic_attributes(["style"])
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect())
        .url_schemes(HashSet::from(["http", "https", "mailto", "cid"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true)
        .attribute_filter(move |element, attribute, value| {
            filter_attribute(
                element,
                attribute,
                value,
                &cid_images,
                show_remote,
                &blocked_in,
                &styles_in,
            )
        });
    let html = builder.clean(html).to_string();
    let blocked_images = *blocked.lock().expect("lock");
    let styles = std::mem::take(&mut *styles.lock().expect("lock"));
    Cleaned {
        html,
        blocked_images,
        styles,
    }
}

fn filter_attribute<'u>(
    element: &str,
    attribute: &str,
    value: &'u str,
    cid_images: &HashMap<String, String>,
    show_remote: bool,
    blocked: &Mutex<usize>,
    styles: &Mutex<Vec<String>>,
) -> Option<Cow<'u, str>> {
    match (element, attribute) {
        (_, "style") => {
            if value.trim().is_empty() || !style_is_safe(value) {
                return None;
            }
            let mut kept = styles.lock().expect("lock");
            if !kept.iter().any(|s| s == value) {
                kept.push(value.to_string());
            }
            Some(Cow::Borrowed(value))
        }
        ("img", "src") => {
            let lower = value.trim().to_ascii_lowercase();
            if let Some(id) = lower.strip_prefix("cid:") {
                let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
                return cid_images
                    .get(id.trim_matches(['<', '>']))
                    .map(|url| Cow::Owned(url.clone()));
            }
            if lower.starts_with("http:") || lower.starts_with("https:") {
                if show_remote {
                    return Some(Cow::Borrowed(value));
                }
                *blocked.lock().expect("lock") += 1;
                return None;
            }
            None
        }
        // A link to a part of the message means nothing outside it.
        (_, "href") if value.trim().to_ascii_lowercase().starts_with("cid:") => None,
        _ => Some(Cow::Borrowed(value)),
    }
}

/// The CSP source list entries that let exactly the kept `style`
/// attributes apply ('unsafe-hashes' with each one's SHA-256): the page
/// and the frame allow no other inline style.
pub fn style_hashes(styles: &[String]) -> String {
    if styles.is_empty() {
        return String::new();
    }
    let mut out = String::from(" 'unsafe-hashes'");
    for s in styles {
        out.push_str(&format!(" 'sha256-{}'", sha256_base64(s.as_bytes())));
    }
    out
}

/// The complete document shown in the frame: its own CSP first (nothing
/// but images as allowed and the kept inline styles, no script, no
/// navigation of the frame itself, no form), then the frame's stylesheet
/// and the cleaned body.
pub fn frame_document(body: &str, styles: &[String], show_remote: bool) -> String {
    let images = if show_remote {
        "data: https: http:"
    } else {
        "data:"
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src {images}; \
style-src 'self'{hashes}; form-action 'none'; base-uri 'none'\">\
<link rel=\"stylesheet\" href=\"/static/frame.css\"></head><body>{body}</body></html>",
        hashes = style_hashes(styles),
    )
}

/// An image part as a `data:` URL, for the raster types browsers show as
/// pictures only (never SVG, which can carry script).
pub fn data_url(media_type: &str, bytes: &[u8]) -> Option<String> {
    let media_type = media_type.to_ascii_lowercase();
    matches!(
        media_type.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
    .then(|| {
        format!(
            "data:{media_type};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    })
}

fn sha256_base64(bytes: &[u8]) -> String {
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaned(html: &str) -> Cleaned {
        clean(html, HashMap::new(), false)
    }

    #[test]
    fn scripts_handlers_and_dangerous_links_go() {
        let c = cleaned(
            "<p onclick=\"steal()\">hi<script>alert(1)</script></p>\
             <a href=\"javascript:alert(1)\">j</a><a href=\"data:text/html,<script>x</script>\">d</a>\
             <a href=\"/logout\">rel</a><a href=\"https://example.org/\">ok</a>",
        );
        assert!(!c.html.contains("script"), "{}", c.html);
        assert!(!c.html.contains("onclick"));
        assert!(!c.html.contains("javascript"));
        assert!(!c.html.contains("data:"));
        assert!(!c.html.contains("/logout"));
        assert!(c.html.contains("href=\"https://example.org/\""));
        assert!(c.html.contains("target=\"_blank\"") && c.html.contains("noopener"));
    }

    #[test]
    fn svg_forms_meta_style_and_frames_go() {
        let c = cleaned(
            "<svg><script>alert(1)</script><circle onload=\"x()\"/></svg>\
             <form action=\"https://evil.test/\"><input name=p></form>\
             <meta http-equiv=\"refresh\" content=\"0;url=https://evil.test/\">\
             <style>@import url(https://evil.test/a.css); body{background:url(https://evil.test/b)}</style>\
             <link rel=stylesheet href=\"https://evil.test/c.css\">\
             <iframe src=\"https://evil.test/\"></iframe><object data=x></object><embed src=y>\
             <base href=\"https://evil.test/\"><p>text</p>",
        );
        for bad in [
            "svg", "form", "input", "meta", "refresh", "style", "@import", "link", "iframe",
            "object", "embed", "base", "evil",
        ] {
            assert!(!c.html.contains(bad), "{bad} in {}", c.html);
        }
        assert!(c.html.contains("<p>text</p>"));
    }

    #[test]
    fn inline_styles_keep_only_harmless_properties() {
        let c = cleaned(
            "<p style=\"color: red; position: fixed; top: 0\">a</p>\
             <p style=\"background-color: #fff; font-weight: bold\">b</p>\
             <p style=\"width: expression(alert(1))\">c</p>\
             <p style=\"color: var(--x, url(https://evil.test/v))\">d</p>\
             <p style=\"background: url(https://evil.test/i.png)\">e</p>\
             <p style=\"color: \\75 rl(x)\">f</p>",
        );
        assert!(
            c.html.contains("color:red") || c.html.contains("color: red"),
            "{}",
            c.html
        );
        assert!(!c.html.contains("position"));
        assert!(!c.html.contains("expression"));
        assert!(!c.html.contains("var("));
        assert!(!c.html.contains("evil"));
        assert!(!c.html.contains("\\75"));
        assert_eq!(c.styles.len(), 2, "{:?}", c.styles);
        let hashes = style_hashes(&c.styles);
        assert!(hashes.starts_with(" 'unsafe-hashes' 'sha256-"));
    }

    #[test]
    fn remote_images_wait_and_cid_images_show() {
        let html = "<img src=\"https://tracker.test/p.gif\"><img src=\"cid:logo@x\"><img src=\"cid:none\">\
                    <img src=\"data:image/png;base64,AAAA\">";
        let cids = HashMap::from([(
            "logo@x".to_string(),
            "data:image/png;base64,iVBO".to_string(),
        )]);
        let c = clean(html, cids.clone(), false);
        assert_eq!(c.blocked_images, 1);
        assert!(!c.html.contains("tracker"));
        assert!(
            c.html.contains("src=\"data:image/png;base64,iVBO\""),
            "{}",
            c.html
        );
        assert!(
            !c.html.contains("AAAA"),
            "incoming data: URLs go: {}",
            c.html
        );
        let shown = clean(html, cids, true);
        assert_eq!(shown.blocked_images, 0);
        assert!(shown.html.contains("https://tracker.test/p.gif"));
    }

    #[test]
    fn the_frame_has_its_own_policy() {
        let c = cleaned("<p>x</p>");
        let doc = frame_document(&c.html, &c.styles, false);
        assert!(doc.contains("default-src 'none'; img-src data:;"));
        assert!(frame_document(&c.html, &c.styles, true).contains("img-src data: https: http:"));
        assert!(data_url("image/svg+xml", b"<svg/>").is_none());
        assert!(data_url("IMAGE/PNG", b"x")
            .unwrap()
            .starts_with("data:image/png;base64,"));
    }
}
