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
