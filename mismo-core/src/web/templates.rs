//! Page templates (minijinja) compiled into a web app's binary. Every
//! `.html` template is autoescaped: a value from the store, a message or a
//! form cannot become markup.

use minijinja::Environment;

/// An environment holding `files` (name, source), with the filters both
/// apps use (`bytes`, `time`) and `htmx`: whether the app serves htmx.
pub fn environment(files: &[(&'static str, &'static str)], htmx: bool) -> Environment<'static> {
    let mut env = Environment::new();
    env.add_filter("bytes", crate::display::bytes);
    env.add_filter("time", crate::display::time);
    env.add_global("htmx", htmx);
    for &(name, source) in files {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
}

/// Renders a page. The templates are part of the binary and tested, so a
/// failure here is a defect: it is logged and a plain message shown.
pub fn render(env: &Environment<'static>, name: &str, context: minijinja::Value) -> String {
    match env.get_template(name).and_then(|t| t.render(context)) {
        Ok(page) => page,
        Err(e) => {
            tracing::error!("rendering {name}: {e:#}");
            "<!doctype html><title>Error</title><p>This page could not be shown.".into()
        }
    }
}
