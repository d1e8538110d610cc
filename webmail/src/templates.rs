//! The page templates (minijinja), compiled into the binary. Every `.html`
//! template is autoescaped: a value from a message, the store or a form
//! cannot become markup. The one exception is a body already made safe by
//! [`crate::render`], passed with `|safe` in `message.html`.

use std::sync::LazyLock;

use minijinja::Environment;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.add_filter("bytes", mismo_core::display::bytes);
    env.add_filter("time", mismo_core::display::time);
    env.add_filter("when", when);
    // Whether htmx was fetched (scripts/assets.sh) and is served.
    env.add_global("htmx", cfg!(htmx));
    for (name, source) in [
        ("base.html", include_str!("../templates/base.html")),
        ("login.html", include_str!("../templates/login.html")),
        ("error.html", include_str!("../templates/error.html")),
        ("list.html", include_str!("../templates/list.html")),
        ("message.html", include_str!("../templates/message.html")),
        ("headers.html", include_str!("../templates/headers.html")),
        ("folders.html", include_str!("../templates/folders.html")),
        ("compose.html", include_str!("../templates/compose.html")),
        ("settings.html", include_str!("../templates/settings.html")),
    ] {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
});

/// A time (milliseconds since the epoch, UTC) as a mail list shows it:
/// `24 Nov 2026, 04:24`.
pub fn when(ms: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = mail_parser::DateTime::from_timestamp(ms.div_euclid(1000));
    let month = MONTHS[usize::from(t.month.clamp(1, 12)) - 1];
    format!(
        "{} {month} {}, {:02}:{:02}",
        t.day, t.year, t.hour, t.minute
    )
}

/// Renders a page. The templates are part of the binary and tested, so a
/// failure here is a defect: it is logged and a plain message shown.
pub fn render(name: &str, context: minijinja::Value) -> String {
    match TEMPLATES.get_template(name).and_then(|t| t.render(context)) {
        Ok(page) => page,
        Err(e) => {
            tracing::error!("rendering {name}: {e:#}");
            "<!doctype html><title>Error</title><p>This page could not be shown.".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_like_dates() {
        assert_eq!(when(1_795_494_272_000), "24 Nov 2026, 04:24");
        assert_eq!(when(0), "1 Jan 1970, 00:00");
    }

    #[test]
    fn values_are_escaped() {
        let page = render(
            "error.html",
            minijinja::context! { title => "t", status => 400, message => "<script>x</script>" },
        );
        assert!(page.contains("&lt;script&gt;x&lt;"), "{page}");
        assert!(!page.contains("<script>x"));
    }
}
