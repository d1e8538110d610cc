//! The admin console over HTTP, as a browser and an API client use it:
//! sign-in and its cookies, CSRF on every change, a domain administrator
//! kept to their own domains on every route, and the API with its OpenAPI
//! document.

use mismo_core::admin::Admin;
use mismo_core::model::Activation;
use mismo_testkit::dns::Bind9;
use mismo_testkit::service::Service;
use mismo_testkit::{binary, Ports, TestStore};
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};

const ROOT_PASSWORD: &str = "root's long password";
const ANN_PASSWORD: &str = "ann's long password";

struct Console {
    server: TestStore,
    _service: Service,
    _dns: Bind9,
    base: String,
    _dir: tempfile::TempDir,
}

impl Console {
    /// A store with domains a.test and b.test, a global administrator
    /// `root` and `ann`, who manages a.test only; BIND9 serving a.test with
    /// an MX and a DMARC record as Mismo wants them, an SPF record that
    /// leaves the MX out, and no DKIM key; and the console, for MX host
    /// mx.a.test.
    async fn start() -> Self {
        let server = TestStore::start();
        let store = server.store().await;
        let admin = Admin::new(&store);
        admin.add_domain("a.test").await.unwrap();
        admin.add_domain("b.test").await.unwrap();
        admin
            .add_administrator("root", ROOT_PASSWORD, &[])
            .await
            .unwrap();
        admin
            .add_administrator("ann", ANN_PASSWORD, &["a.test".into()])
            .await
            .unwrap();
        let dns = Bind9::start(&[(
            "a.test",
            &[
                "@ MX 10 mx.a.test.".to_string(),
                "@ TXT \"v=spf1 ip4:192.0.2.1 -all\"".to_string(),
                "_dmarc TXT \"v=DMARC1; p=none\"".to_string(),
                "mx A 127.0.0.1".to_string(),
            ],
        )]);
        let (mut env, ports) = server.env_with_ports();
        env.push(("DNS_RESOLVER".into(), dns.addr().to_string()));
        env.push(("MISMO_HOSTNAME".into(), "mx.a.test".into()));
        let dir = tempfile::tempdir().unwrap();
        let service = Service::start(
            &binary("admin-console"),
            &env,
            dir.path(),
            Ports::at(ports.admin),
        );
        Self {
            server,
            _service: service,
            _dns: dns,
            base: format!("http://127.0.0.1:{}", ports.admin),
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn domain_state(&self, name: &str) -> Option<Activation> {
        let store = self.server.store().await;
        store.get_domain(name).await.unwrap().map(|d| d.state)
    }

    /// A browser that keeps cookies and shows redirects as they are.
    fn browser() -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Signs `browser` in; returns the session's CSRF token.
    async fn sign_in(&self, browser: &Client, name: &str, password: &str) -> String {
        let csrf = csrf_of(&get(browser, &self.url("/login")).await.1);
        let response = browser
            .post(self.url("/login"))
            .form(&[("username", name), ("password", password), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {name}"
        );
        let (status, page) = get(browser, &self.url("/domains")).await;
        assert_eq!(status, StatusCode::OK);
        csrf_of(&page)
    }

    async fn post(
        &self,
        browser: &Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let response = browser
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.text().await.unwrap())
    }
}

async fn get(client: &Client, url: &str) -> (StatusCode, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// An API answer's JSON body.
async fn json(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// The value of a page's hidden `csrf` field.
fn csrf_of(page: &str) -> String {
    let start = page
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no csrf field: {page}"))
        + 19;
    page[start..start + 64].to_string()
}

fn cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn sign_in_sessions_and_headers() {
    let console = Console::start().await;
    let browser = Console::browser();

    // Every page but the sign-in form sends a stranger there.
    for path in ["/", "/domains", "/domains/a.test"] {
        let response = browser.get(console.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[LOCATION], "/login");
    }
    let response = browser.get(console.url("/login")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let login_cookie = cookies(&response).join("\n");
    assert!(login_cookie.contains("HttpOnly") && login_cookie.contains("SameSite=Strict"));
    let page = response.text().await.unwrap();
    let csrf = csrf_of(&page);

    // Without the form's token; with a wrong password.
    let (status, _) = console
        .post(
            &browser,
            "/login",
            &[("username", "root"), ("password", ROOT_PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let csrf2 = csrf_of(&get(&browser, &console.url("/login")).await.1);
    assert_ne!(csrf, csrf2, "a fresh token each time");
    let (status, page) = console
        .post(
            &browser,
            "/login",
            &[
                ("username", "root"),
                ("password", "wrong"),
                ("csrf", &csrf2),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("Wrong name or password."));

    // Signed in: an HttpOnly, SameSite=Strict session cookie, Secure over TLS.
    let csrf = csrf_of(&page);
    let response = browser
        .post(console.url("/login"))
        .header("x-forwarded-proto", "https")
        .form(&[
            ("username", "root"),
            ("password", ROOT_PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/");
    let session = cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("mismo_admin="))
        .expect("a session cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(session.contains(part), "{session}");
    }

    // The dashboard shows the queue to a global administrator.
    let store = console.server.store().await;
    mismo_testkit::enqueue(&store, "x@far.test", &["zoe@a.test"], "hi").await;
    let (status, page) = get(&browser, &console.url("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("ENQUEUED") || page.contains("enqueued"),
        "{page}"
    );
    assert!(page.contains(">root<"));

    // Signing out needs the session's token, and ends the session.
    let csrf = csrf_of(&page);
    let (status, _) = console.post(&browser, "/logout", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = console.post(&browser, "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = get(&browser, &console.url("/")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed out");

    // Unknown pages answer 404 with a page; so do malformed requests
    // that axum refuses by itself (wrong method, a form that is not one).
    let (status, page) = get(&browser, &console.url("/nothing/here")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("</html>"));
    let (status, page) = get(&browser, &console.url("/logout")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(page.contains("</html>") && page.contains("405"), "{page}");
    let response = browser
        .post(console.url("/login"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(response.text().await.unwrap().contains("</html>"));
}

#[tokio::test]
async fn failed_sign_ins_are_slowed_then_refused() {
    let console = Console::start().await;
    let browser = Console::browser();
    for n in 1..=5 {
        let csrf = csrf_of(&get(&browser, &console.url("/login")).await.1);
        let (status, _) = console
            .post(
                &browser,
                "/login",
                &[("username", "root"), ("password", "guess"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {n}");
    }
    let csrf = csrf_of(&get(&browser, &console.url("/login")).await.1);
    let (status, page) = console
        .post(
            &browser,
            "/login",
            &[
                ("username", "root"),
                ("password", ROOT_PASSWORD),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password, too late"
    );
    assert!(page.contains("too many failed sign-ins"));
}

#[tokio::test]
async fn every_change_needs_the_csrf_token_and_a_domain_administrator_sees_only_theirs() {
    let console = Console::start().await;
    let ann = Console::browser();
    let ann_csrf = console.sign_in(&ann, "ann", ANN_PASSWORD).await;

    // Pages: ann's domain only; another domain is as absent as a missing one.
    let (_, page) = get(&ann, &console.url("/domains")).await;
    assert!(
        page.contains("a.test") && !page.contains("b.test"),
        "{page}"
    );
    let (_, page) = get(&ann, &console.url("/")).await;
    assert!(!page.contains("b.test") && !page.contains("ENQUEUED") && !page.contains("Queue"));
    let (missing, missing_page) = get(&ann, &console.url("/domains/none.test")).await;
    let (other, other_page) = get(&ann, &console.url("/domains/b.test")).await;
    assert_eq!(
        (missing, other),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    assert_eq!(
        missing_page.replace("none.test", "b.test"),
        other_page,
        "the same answer as for a domain that does not exist"
    );
    let (status, _) = get(&ann, &console.url("/domains/a.test")).await;
    assert_eq!(status, StatusCode::OK);

    // Changes to another domain, or a global administrator's, are refused.
    let csrf = ann_csrf.as_str();
    for (path, form, want) in [
        (
            "/domains/b.test/state",
            vec![("csrf", csrf), ("state", "disabled")],
            StatusCode::NOT_FOUND,
        ),
        (
            "/domains/b.test/remove",
            vec![("csrf", csrf), ("confirm", "yes")],
            StatusCode::NOT_FOUND,
        ),
        (
            "/domains",
            vec![("csrf", csrf), ("name", "c.test")],
            StatusCode::FORBIDDEN,
        ),
        (
            "/domains/a.test/remove",
            vec![("csrf", csrf), ("confirm", "yes")],
            StatusCode::FORBIDDEN,
        ),
    ] {
        let (status, _) = console.post(&ann, path, &form).await;
        assert_eq!(status, want, "{path}");
    }
    assert_eq!(
        console.domain_state("b.test").await,
        Some(Activation::Enabled)
    );
    assert_eq!(
        console.domain_state("a.test").await,
        Some(Activation::Enabled)
    );
    assert_eq!(console.domain_state("c.test").await, None);

    // Her own domain, with the token: done. Without it, or with another
    // session's token: refused, and nothing changes.
    let root = Console::browser();
    let root_csrf = console.sign_in(&root, "root", ROOT_PASSWORD).await;
    for form in [
        vec![("state", "disabled")],
        vec![("state", "disabled"), ("csrf", root_csrf.as_str())],
    ] {
        let (status, page) = console.post(&ann, "/domains/a.test/state", &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(page.contains("reload the page"), "{page}");
    }
    assert_eq!(
        console.domain_state("a.test").await,
        Some(Activation::Enabled)
    );
    let (status, _) = console
        .post(
            &ann,
            "/domains/a.test/state",
            &[("csrf", csrf), ("state", "disabled")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        console.domain_state("a.test").await,
        Some(Activation::Disabled)
    );

    // A global administrator adds and removes domains; bad input is named.
    let root_csrf = root_csrf.as_str();
    let (status, _) = console
        .post(
            &root,
            "/domains",
            &[("csrf", root_csrf), ("name", "C.Test")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        console.domain_state("c.test").await,
        Some(Activation::Enabled)
    );
    let (status, page) = console
        .post(
            &root,
            "/domains",
            &[("csrf", root_csrf), ("name", "c.test")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("exists already"), "{page}");
    let (status, _) = console
        .post(
            &root,
            "/domains",
            &[("csrf", root_csrf), ("name", "not a domain")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, page) = console
        .post(&root, "/domains", &[("csrf", root_csrf)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("no field &#x27;name&#x27;") || page.contains("no field 'name'"),
        "{page}"
    );
    let (status, _) = console
        .post(&root, "/domains/c.test/remove", &[("csrf", root_csrf)])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not confirmed");
    let (status, _) = console
        .post(
            &root,
            "/domains/c.test/remove",
            &[("csrf", root_csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(console.domain_state("c.test").await, None);

    // The audit log: every change, who made it and from where; ann sees
    // the entries about her domain only, and searches are literal.
    let (_, page) = get(&root, &console.url("/audit")).await;
    for action in ["domain.disable", "domain.add", "domain.remove"] {
        assert!(page.contains(action), "{action}: {page}");
    }
    assert!(page.contains("127.0.0.1") && page.contains(">ann<") && page.contains(">root<"));
    let (_, page) = get(&ann, &console.url("/audit")).await;
    assert!(
        page.contains("domain.disable") && !page.contains("c.test"),
        "{page}"
    );
    let (_, page) = get(&root, &console.url("/audit?q=c.test")).await;
    assert_eq!(page.matches("<code>domain.").count(), 2, "{page}");
    let (_, page) = get(&root, &console.url("/audit?q=c.t*")).await;
    assert_eq!(page.matches("<code>domain.").count(), 0, "{page}");
}

#[tokio::test]
async fn the_api_authorises_like_the_pages_and_matches_its_openapi_document() {
    let console = Console::start().await;
    let store = console.server.store().await;
    let admin = Admin::new(&store);
    let root = admin.new_api_token("root").await.unwrap();
    let ann = admin.new_api_token("ann").await.unwrap();
    let api = Client::new();
    let url = |p: &str| console.url(&format!("/api/v1{p}"));

    for token in [None, Some("not-a-token")] {
        let mut request = api.get(url("/domains"));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["error"].is_string());
    }

    let names = |v: serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect()
    };
    let list = api
        .get(url("/domains"))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(names(list.json().await.unwrap()), ["a.test"]);
    let list = api
        .get(url("/domains"))
        .bearer_auth(&root)
        .send()
        .await
        .unwrap();
    assert_eq!(names(list.json().await.unwrap()), ["a.test", "b.test"]);

    // ann and b.test: as if it did not exist; global operations: forbidden.
    let status = |r: Response| r.status();
    let state = serde_json::json!({ "state": "disabled" });
    for (request, want) in [
        (api.get(url("/domains/b.test")), 404),
        (api.put(url("/domains/b.test/state")).json(&state), 404),
        (api.delete(url("/domains/a.test")), 403),
        (
            api.post(url("/domains"))
                .json(&serde_json::json!({ "name": "c.test" })),
            403,
        ),
    ] {
        let response = request.bearer_auth(&ann).send().await.unwrap();
        let url = response.url().to_string();
        assert_eq!(response.status(), want, "{url}");
    }
    assert_eq!(
        console.domain_state("b.test").await,
        Some(Activation::Enabled)
    );

    // root: created, conflict, bad name, not JSON, bad state, removed.
    let add = |body: serde_json::Value| api.post(url("/domains")).bearer_auth(&root).json(&body);
    let created = add(serde_json::json!({ "name": "c.test" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    assert!(created["record"]
        .as_str()
        .unwrap()
        .starts_with("mismo-verification="));
    for (body, want) in [
        (serde_json::json!({ "name": "c.test" }), 409),
        (serde_json::json!({ "name": "no way" }), 422),
        (serde_json::json!({ "nom": "x.test" }), 422),
    ] {
        let response = add(body.clone()).send().await.unwrap();
        assert_eq!(status(response), want, "{body}");
    }
    let text = api
        .post(url("/domains"))
        .bearer_auth(&root)
        .body("name=x.test")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 400);
    let bad = api
        .put(url("/domains/c.test/state"))
        .bearer_auth(&root)
        .json(&serde_json::json!({ "state": "sleeping" }));
    assert_eq!(status(bad.send().await.unwrap()), 422);
    assert_eq!(
        status(
            api.delete(url("/domains/c.test"))
                .bearer_auth(&root)
                .send()
                .await
                .unwrap()
        ),
        204
    );
    assert_eq!(console.domain_state("c.test").await, None);

    // Every operation the document lists exists, and answers with a status
    // the document lists for it.
    let doc: serde_json::Value = json(api.get(url("/openapi.json"))).await;
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 3);
    let mut operations = 0;
    admin
        .add_mailbox("zoe@a.test", "zoe's long password", 0)
        .await
        .unwrap();
    let body = serde_json::json!({
        "name": "d.test", "address": "new@a.test", "state": "enabled",
        "quota_bytes": 1024, "display_name": "Zoë",
        "source": "info@b.test", "targets": ["zoe@a.test"],
    });
    for (path, item) in paths {
        let concrete = path
            .replace("{name}", "b.test")
            .replace("{address}", "zoe@a.test")
            .replace("{source}", "info@b.test")
            .replace("{target}", "zoe@a.test");
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            let request = match method.as_str() {
                "get" => api.get(console.url(&concrete)),
                "post" => api.post(console.url(&concrete)).json(&body),
                "put" => api.put(console.url(&concrete)).json(&body),
                "delete" => api.delete(console.url(&concrete)),
                other => panic!("unexpected method {other}"),
            };
            let response = request.bearer_auth(&root).send().await.unwrap();
            let code = response.status().as_u16().to_string();
            assert!(
                op["responses"].get(&code).is_some(),
                "{method} {path} answered {code}, which the document does not list"
            );
            // The domain is removed by its DELETE before its GET; every
            // mailbox operation here is one that succeeds.
            if path.ends_with("/pgp") && method == "get" {
                assert_eq!(code, "404", "no key was made yet");
            } else if path.contains("mailboxes") {
                assert!(code.starts_with('2'), "{method} {path} answered {code}");
            }
            operations += 1;
        }
    }
    assert_eq!(operations, 26);

    // Every change above is in the audit log: who, from where, what.
    let log: serde_json::Value = json(api.get(url("/audit?q=c.test")).bearer_auth(&root)).await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["domain.remove", "domain.add"], "newest first");
    let entry = &log["entries"][0];
    assert_eq!(
        (entry["admin"].as_str(), entry["ip"].as_str()),
        (Some("root"), Some("127.0.0.1"))
    );
    // ann sees the entries about her domain only.
    let log: serde_json::Value = json(api.get(url("/audit")).bearer_auth(&ann)).await;
    let entries = log["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["domain"] == "a.test"), "{log}");
}

#[tokio::test]
async fn mailboxes_are_added_searched_paged_and_changed_within_the_domains_one_manages() {
    let console = Console::start().await;
    let store = console.server.store().await;
    let admin = Admin::new(&store);
    admin
        .add_mailbox("bob@b.test", "bob's long password", 0)
        .await
        .unwrap();
    let root = Console::browser();
    let csrf = console.sign_in(&root, "root", ROOT_PASSWORD).await;
    let csrf = csrf.as_str();
    let ip: std::net::IpAddr = "192.0.2.9".parse().unwrap();
    let opens = |password: &'static str| {
        let store = store.clone();
        async move {
            matches!(
                mismo_core::auth::login(&store, ip, "zoe@a.test", password)
                    .await
                    .unwrap(),
                mismo_core::auth::Login::Opened(_)
            )
        }
    };

    // Added with a generated password, shown once on the answer.
    let (status, page) = console
        .post(
            &root,
            "/mailboxes",
            &[("csrf", csrf), ("address", "Zoe@A.test"), ("quota", "5M")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let shown = page
        .split("shown only now: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no password: {page}"));
    let generated: String = shown.chars().take(20).collect();
    let m = store.get_mailbox("zoe@a.test").await.unwrap().unwrap();
    assert_eq!(m.quota_bytes, 5 << 20);
    assert!(mismo_core::password::verify(&generated, &m.password_hash));
    let (status, page) = console
        .post(
            &root,
            "/mailboxes",
            &[("csrf", csrf), ("address", "zoe@a.test")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    let (status, _) = console
        .post(
            &root,
            "/mailboxes",
            &[("csrf", csrf), ("address", "x@a.test"), ("quota", "lots")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = console
        .post(
            &root,
            "/mailboxes",
            &[
                ("csrf", csrf),
                ("address", "x@a.test"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Password set by hand, then disabled: sign-ins fail; enabled again.
    let (status, page) = console
        .post(
            &root,
            "/mailboxes/zoe@a.test/password",
            &[("csrf", csrf), ("password", "zoe's new password")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Password changed."));
    assert!(opens("zoe's new password").await);
    let (status, _) = console
        .post(
            &root,
            "/mailboxes/zoe@a.test/state",
            &[("csrf", csrf), ("state", "disabled")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        !opens("zoe's new password").await,
        "a disabled mailbox cannot sign in"
    );
    console
        .post(
            &root,
            "/mailboxes/zoe@a.test/state",
            &[("csrf", csrf), ("state", "enabled")],
        )
        .await;
    assert!(opens("zoe's new password").await);
    let (status, _) = console
        .post(
            &root,
            "/mailboxes/zoe@a.test/details",
            &[("csrf", csrf), ("quota", "1G"), ("display_name", "Zoë <Z>")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let m = store.get_mailbox("zoe@a.test").await.unwrap().unwrap();
    assert_eq!(
        (m.quota_bytes, m.display_name.as_deref()),
        (1 << 30, Some("Zoë <Z>"))
    );

    // Usage is what the store holds for it.
    mismo_testkit::deliver(&store, "zoe@a.test", b"Subject: one\r\n\r\nhello\r\n").await;
    let (_, page) = get(&root, &console.url("/mailboxes/zoe@a.test")).await;
    assert!(page.contains("1 messages"), "{page}");
    assert!(page.contains("Zoë &lt;Z&gt;"), "escaped: {page}");

    // A domain administrator: her domain's mailboxes only, everywhere.
    let ann = Console::browser();
    let ann_csrf = console.sign_in(&ann, "ann", ANN_PASSWORD).await;
    let ann_csrf = ann_csrf.as_str();
    let (_, page) = get(&ann, &console.url("/mailboxes")).await;
    assert!(
        page.contains("zoe@a.test") && !page.contains("bob@b.test"),
        "{page}"
    );
    let (status, _) = get(&ann, &console.url("/mailboxes/bob@b.test")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (path, form) in [
        (
            "/mailboxes/bob@b.test/state",
            vec![("csrf", ann_csrf), ("state", "disabled")],
        ),
        (
            "/mailboxes/bob@b.test/password",
            vec![("csrf", ann_csrf), ("password", "taken over!")],
        ),
        (
            "/mailboxes/bob@b.test/details",
            vec![("csrf", ann_csrf), ("quota", "1"), ("display_name", "x")],
        ),
        (
            "/mailboxes",
            vec![("csrf", ann_csrf), ("address", "eve@b.test")],
        ),
    ] {
        let (status, _) = console.post(&ann, path, &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let bob = store.get_mailbox("bob@b.test").await.unwrap().unwrap();
    assert_eq!(bob.state, Activation::Enabled);
    assert!(mismo_core::password::verify(
        "bob's long password",
        &bob.password_hash
    ));
    assert!(store.get_mailbox("eve@b.test").await.unwrap().is_none());
    // ... and without the CSRF token, not even in her own domain.
    let (status, _) = console
        .post(
            &ann,
            "/mailboxes/zoe@a.test/state",
            &[("state", "disabled")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Search and paging over many mailboxes: 50 a page, by address.
    let hash = mismo_core::password::hash("a long password").unwrap();
    for n in 0..120 {
        let mut m = store.get_mailbox("bob@b.test").await.unwrap().unwrap();
        m.address = format!("user{n:03}@a.test");
        m.domain = "a.test".into();
        m.password_hash = hash.clone();
        store.insert_mailbox(&m).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut url = console.url("/mailboxes?q=user");
    for expected in [50, 50, 20] {
        let (_, page) = get(&ann, &url).await;
        let on_page: Vec<&str> = page
            .split("href=\"/mailboxes/")
            .skip(1)
            .map(|s| s.split('"').next().unwrap())
            .collect();
        assert_eq!(on_page.len(), expected, "{url}");
        seen.extend(on_page.iter().map(|s| s.to_string()));
        // Only the "Next page" link carries `after`.
        match page.split("&amp;after=").nth(1) {
            Some(rest) => {
                let after = rest.split('"').next().unwrap().replace("%40", "@");
                url = console.url(&format!("/mailboxes?q=user&after={after}"));
            }
            None => assert_eq!(expected, 20, "no next page"),
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        (seen.len(), sorted),
        (120, seen.clone()),
        "each once, in order"
    );
    let (_, page) = get(&ann, &console.url("/mailboxes?q=user11")).await;
    assert_eq!(page.matches("href=\"/mailboxes/user11").count(), 10);
}

#[tokio::test]
async fn the_queue_is_filtered_shown_retried_and_deleted_by_global_administrators_only() {
    let console = Console::start().await;
    let store = console.server.store().await;
    let to_a = mismo_testkit::enqueue(
        &store,
        "x@far.test",
        &["zoe@a.test"],
        "Subject: for a\r\n\r\nhi",
    )
    .await;
    let to_b = mismo_testkit::enqueue(
        &store,
        "y@far.test",
        &["bob@b.test"],
        "Subject: for b\r\n\r\nhi",
    )
    .await;
    let later = mismo_core::model::now_ms() + 3_600_000;
    store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(mismo_core::store::names::MESSAGES)
        .update_one(
            mongodb::bson::doc! { "_id": &to_a },
            mongodb::bson::doc! { "$set": { "due_at": later } },
        )
        .await
        .unwrap();
    let root = Console::browser();
    let csrf = console.sign_in(&root, "root", ROOT_PASSWORD).await;
    let csrf = csrf.as_str();

    let listed = |page: &str| -> Vec<String> {
        page.split("href=\"/queue/")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_string())
            .collect()
    };
    let (_, page) = get(&root, &console.url("/queue")).await;
    assert_eq!(listed(&page), [to_a.clone(), to_b.clone()]);
    let (_, page) = get(&root, &console.url("/queue?domain=B.test")).await;
    assert_eq!(listed(&page), std::slice::from_ref(&to_b));
    let (_, page) = get(&root, &console.url("/queue?address=x@far.test")).await;
    assert_eq!(listed(&page), std::slice::from_ref(&to_a));
    let (_, page) = get(&root, &console.url("/queue?state=FAILED")).await;
    assert!(listed(&page).is_empty());
    let (status, page) = get(&root, &console.url("/queue?state=LOST")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("state must be"), "{page}");
    let (status, _) = get(&root, &console.url("/queue?domain=a.t*st")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The detail: envelope, headers, each recipient.
    let (status, page) = get(&root, &console.url(&format!("/queue/{to_a}"))).await;
    assert_eq!(status, StatusCode::OK);
    for part in [
        "for a",
        "x@far.test",
        "zoe@a.test",
        "Subject: for a",
        "Retry now",
    ] {
        assert!(page.contains(part), "{part}: {page}");
    }
    let (status, _) = get(&root, &console.url("/queue/01NOSUCHID")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Retry makes it due now; delete needs the box ticked.
    let (status, _) = console
        .post(&root, &format!("/queue/{to_a}/retry"), &[("csrf", csrf)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let m = store.get_queued(&to_a).await.unwrap().unwrap();
    assert!(m.due_at <= mismo_core::model::now_ms());
    let (status, _) = console
        .post(&root, &format!("/queue/{to_b}/delete"), &[("csrf", csrf)])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = console
        .post(
            &root,
            &format!("/queue/{to_b}/delete"),
            &[("csrf", csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(store.get_queued(&to_b).await.unwrap().is_none());

    // A domain administrator sees no queue at all: it mixes every domain.
    let ann = Console::browser();
    let ann_csrf = console.sign_in(&ann, "ann", ANN_PASSWORD).await;
    for path in ["/queue".to_string(), format!("/queue/{to_a}")] {
        let (status, page) = get(&ann, &console.url(&path)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(!page.contains("zoe@a.test"));
    }
    let (status, _) = console
        .post(
            &ann,
            &format!("/queue/{to_a}/delete"),
            &[("csrf", ann_csrf.as_str()), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(store.get_queued(&to_a).await.unwrap().is_some());
    let (_, page) = get(&ann, &console.url("/")).await;
    assert!(!page.contains("href=\"/queue\""), "no queue link for ann");
}

#[tokio::test]
async fn aliases_and_catch_alls_are_managed_within_the_domains_one_manages() {
    let console = Console::start().await;
    let store = console.server.store().await;
    let admin = Admin::new(&store);
    admin
        .add_alias("info@b.test", &["root@b.test".into()])
        .await
        .unwrap();
    let ann = Console::browser();
    let csrf = console.sign_in(&ann, "ann", ANN_PASSWORD).await;
    let csrf = csrf.as_str();

    // An alias and the catch-all, each in one form; targets merge.
    let add = |source: &'static str, targets: &'static str| {
        let form = [("csrf", csrf), ("source", source), ("targets", targets)];
        let (console, ann) = (&console, &ann);
        async move { console.post(ann, "/aliases", &form).await }
    };
    let (status, _) = add("Sales@A.test", "x@a.test, y@remote.test").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = add("sales@a.test", "z@a.test").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = add("@a.test", "x@a.test").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let sales = store.get_alias("sales@a.test").await.unwrap().unwrap();
    assert_eq!(sales.targets, ["x@a.test", "y@remote.test", "z@a.test"]);
    assert!(store
        .get_alias("@a.test")
        .await
        .unwrap()
        .unwrap()
        .is_catch_all());

    // Bad input says what was wrong; without the token nothing changes.
    for (source, targets, want) in [
        ("sales@a.test", " , ", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "not an address",
            "x@a.test",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("sales@a.test", "nope", StatusCode::UNPROCESSABLE_ENTITY),
        ("team@b.test", "x@a.test", StatusCode::NOT_FOUND),
        ("@b.test", "x@a.test", StatusCode::NOT_FOUND),
    ] {
        let (status, page) = add(source, targets).await;
        assert_eq!(status, want, "{source} -> {targets}: {page}");
        assert!(page.contains("class=\"error\""), "{page}");
    }
    let (status, _) = console
        .post(
            &ann,
            "/aliases",
            &[("source", "team@a.test"), ("targets", "x@a.test")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(store.get_alias("team@a.test").await.unwrap().is_none());
    assert!(store.get_alias("@b.test").await.unwrap().is_none());

    // The list: ann's aliases only, sortable both ways.
    let (_, page) = get(&ann, &console.url("/aliases")).await;
    assert!(page.contains("sales@a.test") && page.contains("catch-all"));
    assert!(!page.contains("info@b.test"), "{page}");
    let order = |page: &str| {
        page.split("href=\"/aliases/")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&page), ["@a.test", "sales@a.test"]);
    let (_, page) = get(&ann, &console.url("/aliases?sort=-source")).await;
    assert_eq!(order(&page), ["sales@a.test", "@a.test"]);
    let (status, _) = get(&ann, &console.url("/aliases?sort=size")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = get(&ann, &console.url("/aliases?domain=b.test")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Another domain's alias is as absent as one that does not exist.
    let (missing, missing_page) = get(&ann, &console.url("/aliases/none@a.test")).await;
    let (other, other_page) = get(&ann, &console.url("/aliases/info@b.test")).await;
    assert_eq!(
        (missing, other),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    assert_eq!(
        missing_page.replace("none@a.test", "info@b.test"),
        other_page
    );
    for (path, form) in [
        (
            "/aliases/info@b.test/remove",
            vec![("csrf", csrf), ("confirm", "yes")],
        ),
        (
            "/aliases/info@b.test/targets/remove",
            vec![("csrf", csrf), ("target", "root@b.test")],
        ),
    ] {
        let (status, _) = console.post(&ann, path, &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    assert!(store.get_alias("info@b.test").await.unwrap().is_some());

    // One target off; the last one off removes the alias; removal asks
    // for confirmation.
    let (status, _) = console
        .post(
            &ann,
            "/aliases/sales@a.test/targets/remove",
            &[("csrf", csrf), ("target", "y@remote.test")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let sales = store.get_alias("sales@a.test").await.unwrap().unwrap();
    assert_eq!(sales.targets, ["x@a.test", "z@a.test"]);
    let (status, _) = console
        .post(
            &ann,
            "/aliases/@a.test/targets/remove",
            &[("csrf", csrf), ("target", "x@a.test")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(store.get_alias("@a.test").await.unwrap().is_none());
    let (status, _) = console
        .post(&ann, "/aliases/sales@a.test/remove", &[("csrf", csrf)])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = console
        .post(
            &ann,
            "/aliases/sales@a.test/remove",
            &[("csrf", csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(store.get_alias("sales@a.test").await.unwrap().is_none());

    // The same through the API, with the same scope.
    let token = admin.new_api_token("ann").await.unwrap();
    let api = Client::new();
    let url = |p: &str| console.url(&format!("/api/v1{p}"));
    let created = api
        .post(url("/aliases"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "source": "@a.test", "targets": ["x@a.test"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    assert_eq!(created["catch_all"], true);
    let list: serde_json::Value = json(api.get(url("/aliases")).bearer_auth(&token)).await;
    assert_eq!(list["aliases"].as_array().unwrap().len(), 1, "{list}");
    for request in [
        api.get(url("/aliases/info@b.test")),
        api.delete(url("/aliases/info@b.test")),
        api.delete(url("/aliases/info@b.test/targets/root@b.test")),
        api.post(url("/aliases"))
            .json(&serde_json::json!({ "source": "x@b.test", "targets": ["x@a.test"] })),
    ] {
        let response = request.bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 404, "{}", response.url());
    }
    let gone = api
        .delete(url("/aliases/@a.test/targets/x@a.test"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);
    assert!(store.get_alias("@a.test").await.unwrap().is_none());
    assert!(store.get_alias("info@b.test").await.unwrap().is_some());
}

#[tokio::test]
async fn a_domain_page_checks_its_dns_records_live_and_sums_its_usage_in_the_store() {
    let console = Console::start().await;
    let store = console.server.store().await;
    let admin = Admin::new(&store);
    for address in ["zoe@a.test", "yan@a.test", "bob@b.test"] {
        admin
            .add_mailbox(address, "a long enough password", 0)
            .await
            .unwrap();
    }
    let message = |n: usize| format!("Subject: s\r\n\r\n{}\r\n", "x".repeat(n));
    let mut a_bytes = 0;
    for (mailbox, n) in [
        ("zoe@a.test", 100),
        ("zoe@a.test", 2000),
        ("yan@a.test", 5000),
    ] {
        a_bytes += mismo_testkit::deliver(&store, mailbox, message(n).as_bytes())
            .await
            .size;
    }
    mismo_testkit::deliver(&store, "bob@b.test", message(90_000).as_bytes()).await;

    let ann = Console::browser();
    console.sign_in(&ann, "ann", ANN_PASSWORD).await;
    let token = admin.new_api_token("ann").await.unwrap();
    let api = Client::new();
    let detail: serde_json::Value = json(
        api.get(console.url("/api/v1/domains/a.test"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(
        (detail["messages"].as_i64(), detail["bytes"].as_i64()),
        (Some(3), Some(a_bytes)),
        "{detail}"
    );
    let list: serde_json::Value = json(
        api.get(console.url("/api/v1/mailboxes?domain=a.test&sort=-address"))
            .bearer_auth(&token),
    )
    .await;
    let rows: Vec<(&str, i64)> = list["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["address"].as_str().unwrap(),
                m["messages"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [("zoe@a.test", 2), ("yan@a.test", 1)]);

    // MX and DMARC as wanted, SPF without the MX, no DKIM key published.
    let records: serde_json::Value = json(
        api.get(console.url("/api/v1/domains/a.test/records"))
            .bearer_auth(&token),
    )
    .await;
    let status: Vec<(&str, &str)> = records["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        status,
        [
            ("MX", "found"),
            ("SPF", "different"),
            ("DKIM", "missing"),
            ("DMARC", "found")
        ],
        "{records}"
    );
    let key = store.get_dkim_key("a.test").await.unwrap().unwrap();
    let zone = records["zone"].as_str().unwrap();
    assert!(zone.contains("a.test. IN MX 10 mx.a.test."), "{zone}");
    assert!(zone.contains("a.test. IN TXT \"v=spf1 mx -all\""), "{zone}");
    assert!(
        zone.contains(&key.zone_line()),
        "the key mail is signed with"
    );
    assert!(zone.contains("_dmarc.a.test. IN TXT \"v=DMARC1;"), "{zone}");

    // The page shows the same, with the usage.
    let (status, page) = get(&ann, &console.url("/domains/a.test")).await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "<span class=\"pill found\">found</span>",
        "<span class=\"pill different\">different</span>",
        "<span class=\"pill missing\">missing</span>",
        "v=spf1 ip4:192.0.2.1 -all",
        "3 messages",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    // Nothing about b.test: not its records, not its usage.
    let (status, _) = get(&ann, &console.url("/domains/b.test")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let response = api
        .get(console.url("/api/v1/domains/b.test/records"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn the_dashboard_counts_the_last_day_and_asks_every_engine_its_status() {
    use std::io::Read;
    let console = Console::start().await;
    let store = console.server.store().await;
    let admin = Admin::new(&store);
    let token = admin.new_api_token("root").await.unwrap();
    let ann_token = admin.new_api_token("ann").await.unwrap();
    let api = Client::new();
    let overview = |token: String| {
        let request = api.get(console.url("/api/v1/overview")).bearer_auth(token);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<serde_json::Value>().await.unwrap()
        }
    };

    // Four messages: one delivered, one deferred, one bounced, one still
    // pending; and one from two days ago, which is not counted.
    let raw = store
        .database_for_tests()
        .collection::<mongodb::bson::Document>(mismo_core::store::names::MESSAGES);
    let now = mismo_core::model::now_ms();
    for (n, status) in ["delivered", "deferred", "failed", "pending", "delivered"]
        .into_iter()
        .enumerate()
    {
        let id = mismo_testkit::enqueue(&store, "a@far.test", &["zoe@a.test"], "Subject: s\n\nx\n")
            .await;
        let at = if n == 4 {
            now - 2 * 24 * 3600 * 1000
        } else {
            now
        };
        raw.update_one(
            mongodb::bson::doc! { "_id": &id },
            mongodb::bson::doc! { "$set": {
                "received_at": at, "recipients.0.status": status, "recipients.0.updated_at": at,
            } },
        )
        .await
        .unwrap();
    }

    // Two engines report in; each is asked for its /status.
    let dir = tempfile::tempdir().unwrap();
    let mut engines = Vec::new();
    for _ in 0..2 {
        let (mut env, ports) = console.server.env_with_ports();
        env.push(("SMTP_DRAIN_TIMEOUT".into(), "20s".into()));
        let engine = Service::start(
            &binary("smtp-engine"),
            &env,
            dir.path(),
            Ports::at(ports.smtp),
        );
        engines.push((engine, ports));
    }
    let url_of = |ports: &mismo_testkit::Ports| format!("http://127.0.0.1:{}/status", ports.status);
    let states = |o: &serde_json::Value| -> Vec<(String, String)> {
        o["engines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let url = e["status_url"].as_str().unwrap().to_string();
                (url, e["state"].as_str().unwrap().to_string())
            })
            .collect()
    };
    let mut want: Vec<(String, String)> = engines
        .iter()
        .map(|(_, p)| (url_of(p), "ok".to_string()))
        .collect();
    want.sort();
    let o = overview(token.clone()).await;
    assert_eq!(states(&o), want, "{o}");
    assert_eq!(
        o["last_24h"],
        serde_json::json!({ "accepted": 4, "delivered": 1, "deferred": 1, "bounced": 1 })
    );
    assert_eq!(o["mailboxes"], 0);
    let (_, page) = get(
        &{
            let root = Console::browser();
            console.sign_in(&root, "root", ROOT_PASSWORD).await;
            root
        },
        &console.url("/"),
    )
    .await;
    assert!(
        page.contains("Last 24 hours")
            && page.contains(&format!("127.0.0.1:{}", engines[0].1.status)),
        "{page}"
    );

    // A domain administrator sees no traffic or engine: they mix domains.
    let o = overview(ann_token).await;
    assert!(
        o["last_24h"].is_null() && o["engines"].is_null() && o["queue"].is_null(),
        "{o}"
    );
    assert_eq!(o["domains"], 1);

    // One engine stops while a client is still connected: it drains (503),
    // and once it has exited it is no longer listed.
    let (mut leaving, ports) = engines.pop().unwrap();
    let mut client = std::net::TcpStream::connect(("127.0.0.1", ports.smtp)).unwrap();
    let mut greeting = [0u8; 3];
    client.read_exact(&mut greeting).unwrap();
    assert_eq!(&greeting, b"220");
    leaving.signal(libc::SIGTERM);
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = states(&overview(token.clone()).await);
        if seen.contains(&(url_of(&ports), "unavailable".into())) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        seen.contains(&(url_of(&ports), "unavailable".into())),
        "{seen:?}"
    );
    drop(client);
    assert!(leaving
        .wait(std::time::Duration::from_secs(20))
        .is_some_and(|s| s.success()));
    let left = states(&overview(token).await);
    assert_eq!(left, [(url_of(&engines[0].1), "ok".to_string())]);
}

#[tokio::test]
async fn a_second_factor_is_set_up_asked_at_sign_in_and_recovered_with_a_code() {
    let console = Console::start().await;
    let store = console.server.store().await;
    let root = Console::browser();
    let csrf = console.sign_in(&root, "root", ROOT_PASSWORD).await;
    let csrf = csrf.as_str();
    let now = || mismo_core::model::now_ms() as u64 / 1000;

    // Set up: a secret to scan (with its QR code), then one code confirms.
    let (status, _) = console.post(&root, "/account/totp", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, _) = console
        .post(&root, "/account/totp", &[("csrf", csrf)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = get(&root, &console.url("/account")).await;
    assert!(page.contains("<svg") && page.contains("Turn on"), "{page}");
    let secret = store
        .get_administrator("root")
        .await
        .unwrap()
        .unwrap()
        .totp_pending
        .expect("a secret waits");
    assert!(page.contains(&secret));
    let (status, page) = console
        .post(
            &root,
            "/account/totp/confirm",
            &[("csrf", csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let first = mismo_core::second_factor::code_at(&secret, now()).unwrap();
    let (status, page) = console
        .post(
            &root,
            "/account/totp/confirm",
            &[("csrf", csrf), ("code", &first)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let codes: Vec<String> = page
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10, "{page}");
    let stored = store.get_administrator("root").await.unwrap().unwrap();
    let factor = stored.totp.expect("on");
    assert!(!factor.recovery.contains(&codes[0]), "only hashes are kept");
    let (_, page) = get(&root, &console.url("/account")).await;
    assert!(!page.contains(&codes[0]), "recovery codes are shown once");

    // Signing in now takes the password, then a code: until then, no page
    // opens.
    let console = &console;
    let password_only = |browser: Client| async move {
        let csrf = csrf_of(&get(&browser, &console.url("/login")).await.1);
        let response = browser
            .post(console.url("/login"))
            .form(&[
                ("username", "root"),
                ("password", ROOT_PASSWORD),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[LOCATION], "/login/code");
        browser
    };
    let b = password_only(Console::browser()).await;
    let response = b.get(console.url("/domains")).send().await.unwrap();
    assert_eq!(response.headers()[LOCATION], "/login/code");
    let response = b.get(console.url("/login")).send().await.unwrap();
    assert_eq!(response.headers()[LOCATION], "/login/code");
    let (status, page) = get(&b, &console.url("/login/code")).await;
    assert_eq!(status, StatusCode::OK);
    let step_csrf = csrf_of(&page);
    let (status, _) = console.post(&b, "/login/code", &[("code", "123456")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    // The code used to turn it on is not taken again, nor a wrong one.
    for code in [first.as_str(), "123456"] {
        let (status, page) = console
            .post(&b, "/login/code", &[("csrf", &step_csrf), ("code", code)])
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{code}");
        assert!(page.contains("wrong, or was used already"), "{page}");
    }
    // The next step's code works (a clock a little ahead), and the cookie
    // the password gave is replaced.
    let next = mismo_core::second_factor::code_at(&secret, now() + 30).unwrap();
    let response = b
        .post(console.url("/login/code"))
        .form(&[("csrf", step_csrf.as_str()), ("code", next.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/");
    let (status, _) = get(&b, &console.url("/domains")).await;
    assert_eq!(status, StatusCode::OK);

    // A recovery code signs in once, typed loosely.
    let c = password_only(Console::browser()).await;
    let c_csrf = csrf_of(&get(&c, &console.url("/login/code")).await.1);
    let loose = codes[3].to_uppercase().replace('-', " ");
    let (status, _) = console
        .post(&c, "/login/code", &[("csrf", &c_csrf), ("code", &loose)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let d = password_only(Console::browser()).await;
    let d_csrf = csrf_of(&get(&d, &console.url("/login/code")).await.1);
    let (status, _) = console
        .post(&d, "/login/code", &[("csrf", &d_csrf), ("code", &codes[3])])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "used up");
    let left = store.get_administrator("root").await.unwrap().unwrap();
    assert_eq!(left.totp.unwrap().recovery.len(), 9);

    // Turning it off needs the password.
    let (status, _) = console
        .post(
            &root,
            "/account/totp/disable",
            &[("csrf", csrf), ("password", "not it at all")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = console
        .post(
            &root,
            "/account/totp/disable",
            &[("csrf", csrf), ("password", ROOT_PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(store
        .get_administrator("root")
        .await
        .unwrap()
        .unwrap()
        .totp
        .is_none());
    console
        .sign_in(&Console::browser(), "root", ROOT_PASSWORD)
        .await;
    let (_, page) = get(&root, &console.url("/audit?q=totp")).await;
    assert!(
        page.contains("admin.totp.on") && page.contains("admin.totp.off"),
        "{page}"
    );
}
