//! Plain-text bodies as HTML: escaped, links made clickable, RFC 3676
//! flowed lines joined, quoted lines set apart.

use linkify::{LinkFinder, LinkKind};

/// Joins the lines of a `format=flowed` body (RFC 3676 4.1-4.4): a line
/// ending in a space continues on the next line of the same quote depth;
/// space-stuffing is undone; the signature separator "-- " stays a line.
/// With `delsp`, the trailing space of a flowed line goes too.
///
/// Written here: no maintained crate decodes format=flowed.
pub fn unflow(body: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(body.len());
    let mut open: Option<(usize, String)> = None;
    for raw in body.lines() {
        let depth = raw.chars().take_while(|&c| c == '>').count();
        let mut line = &raw[depth..];
        if line.starts_with(' ') {
            line = &line[1..];
        }
        let flowed = line.ends_with(' ') && line != "-- ";
        let text = if flowed && delsp {
            &line[..line.len() - 1]
        } else {
            line
        };
        match open.take() {
            Some((d, mut acc)) if d == depth => {
                acc.push_str(text);
                if flowed {
                    open = Some((d, acc));
                } else {
                    push_line(&mut out, d, &acc);
                }
            }
            previous => {
                if let Some((d, acc)) = previous {
                    push_line(&mut out, d, &acc);
                }
                if flowed {
                    open = Some((depth, text.to_string()));
                } else {
                    push_line(&mut out, depth, text);
                }
            }
        }
    }
    if let Some((d, acc)) = open {
        push_line(&mut out, d, &acc);
    }
    out
}

fn push_line(out: &mut String, depth: usize, text: &str) {
    for _ in 0..depth {
        out.push('>');
    }
    if depth > 0 && !text.is_empty() {
        out.push(' ');
    }
    out.push_str(text);
    out.push('\n');
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A line of text, escaped, with web and mail addresses as links that open
/// outside the page.
fn linked(line: &str) -> String {
    let mut out = String::new();
    for span in LinkFinder::new().spans(line) {
        match span.kind() {
            Some(LinkKind::Url) if is_web(span.as_str()) => out.push_str(&format!(
                "<a href=\"{0}\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">{0}</a>",
                escape(span.as_str())
            )),
            Some(LinkKind::Email) => out.push_str(&format!(
                "<a href=\"mailto:{0}\">{0}</a>",
                escape(span.as_str())
            )),
            _ => out.push_str(&escape(span.as_str())),
        }
    }
    out
}

fn is_web(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// A plain-text body as HTML: each run of quoted lines in a blockquote of
/// its depth, the rest as preformatted-wrapping text.
pub fn to_html(body: &str) -> String {
    let mut out = String::from("<div class=\"plain\">");
    let mut depth = 0usize;
    for line in body.lines() {
        let d = line.chars().take_while(|&c| c == '>').count();
        let text = line[d..].strip_prefix(' ').unwrap_or(&line[d..]);
        while depth < d {
            out.push_str("<blockquote>");
            depth += 1;
        }
        while depth > d {
            out.push_str("</blockquote>");
            depth -= 1;
        }
        out.push_str(&linked(text));
        out.push('\n');
    }
    while depth > 0 {
        out.push_str("</blockquote>");
        depth -= 1;
    }
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flowed_lines_are_joined() {
        let body =
            "This is a \r\nlong line.\r\n>Quoted \r\n>text.\r\n \r\n From here\r\n-- \r\nSig\r\n";
        assert_eq!(
            unflow(body, false),
            "This is a long line.\n> Quoted text.\n\nFrom here\n-- \nSig\n"
        );
        assert_eq!(unflow("ab \r\ncd\r\n", true), "abcd\n");
        // A flowed line at a different depth does not swallow the next.
        assert_eq!(unflow(">a \r\nb\r\n", false), "> a \nb\n");
    }

    #[test]
    fn text_is_escaped_and_linked() {
        let html = to_html("see https://example.org/a?b=1&c=2 <b>x</b>\nmail ann@example.org\njavascript:alert(1)\n> quoted\n>> deeper\nback");
        assert!(
            html.contains("<a href=\"https://example.org/a?b=1&amp;c=2\" target=\"_blank\""),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(html.contains("href=\"mailto:ann@example.org\""));
        assert!(!html.contains("href=\"javascript"));
        assert!(
            html.contains("<blockquote>quoted\n<blockquote>deeper\n</blockquote></blockquote>back"),
            "{html}"
        );
    }
}
