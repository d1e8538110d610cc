//! The page templates (minijinja), compiled into the binary. Every `.html`
//! template is autoescaped: a value from the store or a form cannot become
//! markup.

use std::sync::LazyLock;

use minijinja::Environment;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    // Whether htmx was fetched (scripts/assets.sh) and is served.
    mismo_core::web::templates::environment(
        &[
            ("base.html", include_str!("../templates/base.html")),
            ("macros.html", include_str!("../templates/macros.html")),
            ("login.html", include_str!("../templates/login.html")),
            (
                "login_code.html",
                include_str!("../templates/login_code.html"),
            ),
            ("error.html", include_str!("../templates/error.html")),
            (
                "dashboard.html",
                include_str!("../templates/dashboard.html"),
            ),
            ("domains.html", include_str!("../templates/domains.html")),
            ("domain.html", include_str!("../templates/domain.html")),
            (
                "mailboxes.html",
                include_str!("../templates/mailboxes.html"),
            ),
            ("mailbox.html", include_str!("../templates/mailbox.html")),
            ("aliases.html", include_str!("../templates/aliases.html")),
            ("alias.html", include_str!("../templates/alias.html")),
            ("audit.html", include_str!("../templates/audit.html")),
            ("account.html", include_str!("../templates/account.html")),
            ("queue.html", include_str!("../templates/queue.html")),
            ("queued.html", include_str!("../templates/queued.html")),
        ],
        cfg!(htmx),
    )
});

/// Renders a page (a template failure is logged and a plain message shown).
pub fn render(name: &str, context: minijinja::Value) -> String {
    mismo_core::web::templates::render(&TEMPLATES, name, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let page = render(
            "error.html",
            minijinja::context! { title => "t", status => 400, message => "<script>x</script>" },
        );
        assert!(page.contains("&lt;script&gt;x&lt;"), "{page}");
        assert!(!page.contains("<script>x"));
    }

    /// Every page renders with the data its handler gives it (a template
    /// error shows only a stub page, so it must be caught here).
    #[test]
    fn every_page_renders() {
        let layout = minijinja::context! {
            admin => minijinja::context! { name => "ann", role => "domain" },
            csrf => "c".repeat(64),
            global => true,
            nav => "domains",
        };
        let domain = minijinja::context! {
            name => "a.test", state => "enabled", verification => "unverified",
            detail => "no TXT record", record => "mismo-verification=x", mailboxes => 2,
        };
        let mailbox = minijinja::context! {
            address => "z@a.test", domain => "a.test", state => "disabled", display_name => "Z",
            quota_bytes => 1024, has_pgp_key => false, messages => 1, bytes => 2048,
        };
        let message = minijinja::context! {
            id => "01J", state => "ENQUEUED", from => "", recipients => vec!["z@a.test"],
            subject => "s", size => 10, attempts => 1, received_at => 1_795_000_000_000_i64,
            due_at => 1_795_000_000_000_i64,
        };
        let alias = minijinja::context! {
            source => "@a.test", domain => "a.test", catch_all => true,
            targets => vec!["z@a.test", "y@b.test"], created_at => 1_795_000_000_000_i64,
        };
        for (name, page) in [
            (
                "login.html",
                minijinja::context! { title => "Sign in", csrf => "c", error => "e", username => "u" },
            ),
            (
                "error.html",
                minijinja::context! { title => "t", status => 404, message => "m" },
            ),
            (
                "dashboard.html",
                minijinja::context! { title => "D", overview => minijinja::context! {
                    domains => 1, enabled_domains => 1, mailboxes => 2, store_ms => 0.4,
                    queue => vec![minijinja::context! { state => "ENQUEUED", count => 3 }],
                    last_24h => minijinja::context! { accepted => 5, delivered => 4, deferred => 1, bounced => 0 },
                    engines => vec![minijinja::context! { hostname => "mx1", status_url => "http://127.0.0.1:3005/status",
                        version => "0.1.0", started_at => 1_795_000_000_000_i64, state => "unavailable",
                        reason => "draining" }],
                }, ..layout.clone() },
            ),
            (
                "domains.html",
                minijinja::context! { title => "Domains", domains => vec![domain.clone()], ..layout.clone() },
            ),
            (
                "domain.html",
                minijinja::context! { title => "a.test", domain => minijinja::context! {
                    aliases => 1, messages => 3, bytes => 4096, ..domain.clone() },
                records => vec![minijinja::context! { kind => "MX", name => "a.test", rtype => "MX",
                    expected => "10 mx.a.test.", status => "different", published => vec!["10 mx.b.test."],
                    detail => () }],
                zone => "a.test. IN MX 10 mx.a.test.", ..layout.clone() },
            ),
            (
                "mailboxes.html",
                minijinja::context! { title => "Mailboxes", mailboxes => vec![mailbox.clone()],
                next => "z@a.test", q => "z", paged => true, carried => "q=z&", sort => "address", domains => vec!["a.test"], ..layout.clone() },
            ),
            (
                "mailbox.html",
                minijinja::context! { title => "z@a.test", mailbox => mailbox.clone(),
                notice => "n", ..layout.clone() },
            ),
            (
                "login_code.html",
                minijinja::context! { title => "Second factor", csrf => "c", error => "e" },
            ),
            (
                "account.html",
                minijinja::context! { title => "Your account", domains => vec!["a.test"], totp_on => false,
                recovery_left => (), recovery => (), enrolment => minijinja::context! {
                    secret => "ABC", url => "otpauth://totp/x", qr => "<svg></svg>" }, ..layout.clone() },
            ),
            (
                "account.html",
                minijinja::context! { title => "Your account", domains => vec!["a.test"], totp_on => true,
                recovery_left => 10, recovery => vec!["abcde-fghij"], enrolment => (), ..layout.clone() },
            ),
            (
                "aliases.html",
                minijinja::context! { title => "Aliases", aliases => vec![alias.clone()],
                next => "@a.test", q => "s", sort => "-source", paged => true, carried => "q=s&domain=a.test&",
                domain => "a.test",
                domains => vec!["a.test"], ..layout.clone() },
            ),
            (
                "alias.html",
                minijinja::context! { title => "@a.test", alias => alias.clone(), ..layout.clone() },
            ),
            (
                "audit.html",
                minijinja::context! { title => "Audit log", q => "x", paged => true, next => "01J",
                entries => vec![minijinja::context! { at => 1_795_000_000_000_i64, admin => "ann",
                ip => "127.0.0.1", action => "domain.add", target => "a.test", detail => () }],
                ..layout.clone() },
            ),
            (
                "queue.html",
                minijinja::context! { title => "Queue", messages => vec![message.clone()], next => "01J",
                state => "ENQUEUED", domain => "", address => "", paged => true,
                states => ["ENQUEUED", "FAILED"], ..layout.clone() },
            ),
            (
                "queued.html",
                minijinja::context! { title => "Message", message => minijinja::context! {
                recipients_status => vec![minijinja::context! { address => "z@a.test", status => "deferred",
                    attempts => 2, last_reply => "451 4.3.0 try later", next_try => 1_795_000_000_000_i64 }],
                origin => minijinja::context! { client_ip => "192.0.2.1", helo => "h", listener => "mx",
                    auth_user => () },
                header_block => "Subject: s", ..message.clone() }, ..layout.clone() },
            ),
        ] {
            let html = TEMPLATES.get_template(name).unwrap().render(page);
            let html = html.unwrap_or_else(|e| panic!("{name}: {e:#}"));
            assert!(html.contains("</html>"), "{name}");
        }
    }
}
