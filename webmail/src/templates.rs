//! The page templates (minijinja), compiled into the binary. Every `.html`
//! template is autoescaped: a value from a message, the store or a form
//! cannot become markup. The one exception is a body already made safe by
//! [`crate::render`], passed with `|safe` in `message.html`.

use std::sync::LazyLock;

use minijinja::Environment;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    // Whether htmx was fetched (scripts/assets.sh) and is served.
    let mut env = mismo_core::web::templates::environment(
        &[
            ("base.html", include_str!("../templates/base.html")),
            ("login.html", include_str!("../templates/login.html")),
            ("error.html", include_str!("../templates/error.html")),
            ("list.html", include_str!("../templates/list.html")),
            ("message.html", include_str!("../templates/message.html")),
            ("headers.html", include_str!("../templates/headers.html")),
            ("folders.html", include_str!("../templates/folders.html")),
            ("compose.html", include_str!("../templates/compose.html")),
            ("settings.html", include_str!("../templates/settings.html")),
        ],
        cfg!(htmx),
    );
    env.add_filter("when", when);
    env
});

/// A time (milliseconds since the epoch, UTC) as a mail list shows it:
/// `24 Nov 2026, 04:24`.
pub fn when(ms: i64) -> String {
    let t = mail_parser::DateTime::from_timestamp(ms.div_euclid(1000));
    let month = mismo_core::display::month_name(t.month);
    format!(
        "{} {month} {}, {:02}:{:02}",
        t.day, t.year, t.hour, t.minute
    )
}

/// Renders a page (a template failure is logged and a plain message shown).
pub fn render(name: &str, context: minijinja::Value) -> String {
    mismo_core::web::templates::render(&TEMPLATES, name, context)
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
