//! Webmail over HTTP, as a browser uses it: sign-in, CSRF on every change,
//! another mailbox's message ids, bad input on every form, and what the
//! pages do to the store (seen by POP3 at once, and the other way round).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;

use mismo_core::admin::Admin;
use mismo_core::model::{Activation, MailboxEntry};
use mismo_core::Store;
use mismo_testkit::service::Service;
use mismo_testkit::{binary, deliver, Ports, TestStore};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION};
use reqwest::{Client, StatusCode};

const ZOE_PASSWORD: &str = "zoe's long password";
const BOB_PASSWORD: &str = "bob's long password";

struct Webmail {
    server: TestStore,
    _webmail: Service,
    _pop3d: Service,
    base: String,
    pop3: u16,
    env: Vec<(String, String)>,
    ports: Ports,
    dir: tempfile::TempDir,
}

/// A multipart message with an HTML attachment (which must download, not
/// render) and a PNG.
const MULTIPART: &[u8] = b"From: Ann Sender <ann@far.test>\r\nTo: zoe@w.test\r\nSubject: Quarterly report\r\n\
Message-ID: <report-1@far.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe report is attached, see https://far.test/r?a=1&b=2\r\n\
--XX\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"../../evil\\\".html\"\r\n\r\n\
<script>alert(1)</script>\r\n--XX--\r\n";

impl Webmail {
    /// Domain w.test with mailboxes zoe and bob, an alias sales@ for zoe;
    /// webmail and pop3d.
    async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// As [`Webmail::start`], with settings of `extra` added.
    async fn start_with(extra: &[(&str, &str)]) -> Self {
        let server = TestStore::start();
        let store = server.store().await;
        let admin = Admin::new(&store);
        admin.add_domain("w.test").await.unwrap();
        admin
            .add_mailbox("zoe@w.test", ZOE_PASSWORD, 0)
            .await
            .unwrap();
        admin
            .add_mailbox("bob@w.test", BOB_PASSWORD, 0)
            .await
            .unwrap();
        admin
            .add_alias("sales@w.test", &["zoe@w.test".to_string()])
            .await
            .unwrap();
        let (mut env, ports) = server.env_with_ports();
        env.push(("MISMO_HOSTNAME".into(), "mail.w.test".into()));
        env.push(("SMTP_MAX_MESSAGE_SIZE".into(), "200K".into()));
        // Loopback POP3 without TLS: what is checked here is the maildrop.
        env.push(("POP3_ALLOW_PLAINTEXT_AUTH".into(), "yes".into()));
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let dir = tempfile::tempdir().unwrap();
        let webmail = Service::start(
            &binary("webmail"),
            &env,
            dir.path(),
            Ports::at(ports.webmail),
        );
        let pop3d = Service::start(&binary("pop3d"), &env, dir.path(), Ports::at(ports.pop3));
        Self {
            server,
            _webmail: webmail,
            _pop3d: pop3d,
            base: format!("http://127.0.0.1:{}", ports.webmail),
            pop3: ports.pop3,
            env,
            ports,
            dir,
        }
    }

    async fn store(&self) -> Store {
        self.server.store().await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs a fresh browser in; returns it with the session's CSRF token.
    async fn signed_in(&self, address: &str, password: &str) -> (Client, String) {
        let browser = browser();
        let csrf = csrf_of(&get(&browser, &self.url("/login")).await.1);
        let response = browser
            .post(self.url("/login"))
            .form(&[
                ("address", address),
                ("password", password),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {address}"
        );
        let (status, page) = get(&browser, &self.url("/mail?folder=INBOX")).await;
        assert_eq!(status, StatusCode::OK);
        (browser, csrf_of(&page))
    }

    async fn post(
        &self,
        browser: &Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let response = browser
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, location, response.text().await.unwrap())
    }

    /// The list's form: `action` on the messages `ids` of `folder`.
    async fn act(
        &self,
        browser: &Client,
        csrf: &str,
        folder: &str,
        action: &str,
        ids: &[&str],
    ) -> (StatusCode, String, String) {
        let mut form = vec![("csrf", csrf), ("folder", folder), ("action", action)];
        form.extend(ids.iter().map(|id| ("id", *id)));
        self.post(browser, "/messages", &form).await
    }

    /// The entries of a mailbox's folder.
    async fn folder(&self, mailbox: &str, name: &str) -> Vec<MailboxEntry> {
        let store = self.store().await;
        let folder = store.get_folder(mailbox, name).await.unwrap().unwrap();
        store.list_folder(mailbox, &folder.id).await.unwrap()
    }

    /// POP3: (message count) after USER/PASS, or the server's error line.
    fn pop3_stat(&self, user: &str, pass: &str) -> Result<usize, String> {
        let stream = TcpStream::connect(("127.0.0.1", self.pop3)).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut line = String::new();
        let mut ask = |command: &str, line: &mut String| {
            if !command.is_empty() {
                writer
                    .write_all(format!("{command}\r\n").as_bytes())
                    .unwrap();
            }
            line.clear();
            reader.read_line(line).unwrap();
            line.starts_with("+OK")
        };
        assert!(ask("", &mut line), "{line}");
        assert!(ask(&format!("USER {user}"), &mut line), "{line}");
        if !ask(&format!("PASS {pass}"), &mut line) {
            return Err(line.trim().to_string());
        }
        assert!(ask("STAT", &mut line), "{line}");
        let count = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        ask("QUIT", &mut line);
        Ok(count)
    }

    /// POP3: deletes message 1 of the maildrop.
    fn pop3_delete_first(&self, user: &str, pass: &str) {
        let stream = TcpStream::connect(("127.0.0.1", self.pop3)).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        for command in [
            format!("USER {user}"),
            format!("PASS {pass}"),
            "DELE 1".into(),
            "QUIT".into(),
        ] {
            writer
                .write_all(format!("{command}\r\n").as_bytes())
                .unwrap();
            line.clear();
            reader.read_line(&mut line).unwrap();
            assert!(line.starts_with("+OK"), "{command}: {line}");
        }
    }
}

/// A browser that keeps cookies and shows redirects as they are.
fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(client: &Client, url: &str) -> (StatusCode, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// A page with its Content-Security-Policy.
async fn with_csp(client: &Client, url: &str) -> (String, String) {
    let response = client.get(url).send().await.unwrap();
    let csp = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    (csp, response.text().await.unwrap())
}

/// The value of a page's first hidden `csrf` field.
fn csrf_of(page: &str) -> String {
    let start = page
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no csrf field: {page}"))
        + 19;
    page[start..start + 64].to_string()
}

#[tokio::test]
async fn sign_in_is_guarded_and_sessions_end() {
    let w = Webmail::start().await;
    let stranger = browser();
    // Every page sends a stranger to the sign-in form; every change too.
    for path in [
        "/",
        "/mail?folder=INBOX",
        "/message/x",
        "/compose",
        "/settings",
        "/folders",
        "/picture",
        "/settings/pgp-key",
    ] {
        let response = stranger.get(w.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        let to = response.headers()[LOCATION].to_str().unwrap();
        assert!(
            to == "/login" || (path == "/" && to.starts_with("/mail")),
            "{path} -> {to}"
        );
    }
    for path in [
        "/messages",
        "/folders/create",
        "/settings/password",
        "/logout",
    ] {
        let (status, location, _) = w.post(&stranger, path, &[("csrf", "x")]).await;
        assert_eq!(
            (status, location.as_str()),
            (StatusCode::SEE_OTHER, "/login"),
            "{path}"
        );
    }

    // The sign-in form: its headers, its double-submit token.
    let response = stranger.get(w.url("/login")).send().await.unwrap();
    let csp = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let first = csrf_of(&response.text().await.unwrap());
    let (status, _, page) = w
        .post(
            &stranger,
            "/login",
            &[("address", "zoe@w.test"), ("password", ZOE_PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no form token");
    // Each form answered brings a token of its own; the last one counts.
    let csrf = csrf_of(&page);
    assert_ne!(csrf, first);
    let (status, _, page) = w
        .post(
            &stranger,
            "/login",
            &[
                ("address", "zoe@w.test"),
                ("password", "wrong"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("Wrong address or password"));
    let (status, _, page) = w.post(&stranger, "/login", &[("csrf", &csrf)]).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the form's token was used up: {page}"
    );

    // Signed in: the pages; signing out needs the session's token.
    let (zoe, csrf) = w.signed_in("zoe@w.test", ZOE_PASSWORD).await;
    let (status, location, _) = w
        .post(&zoe, "/logout", &[("csrf", "0".repeat(64).as_str())])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{location}");
    let (status, location, _) = w.post(&zoe, "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/login")
    );
    let response = zoe.get(w.url("/mail?folder=INBOX")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "signed out");

    // A mailbox disabled mid-session is signed out at its next click, and
    // cannot sign in again.
    let (zoe, _) = w.signed_in("zoe@w.test", ZOE_PASSWORD).await;
    let store = w.store().await;
    Admin::new(&store)
        .set_mailbox_state("zoe@w.test", Activation::Disabled)
        .await
        .unwrap();
    let response = zoe.get(w.url("/mail?folder=INBOX")).send().await.unwrap();
    assert_eq!(response.headers()[LOCATION], "/login?ended=1");
    let (_, page) = get(&zoe, &w.url("/login?ended=1")).await;
    assert!(page.contains("this mailbox is disabled"));
    let csrf = csrf_of(&page);
    let (status, _, _) = w
        .post(
            &zoe,
            "/login",
            &[
                ("address", "zoe@w.test"),
                ("password", ZOE_PASSWORD),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    Admin::new(&store)
        .set_mailbox_state("zoe@w.test", Activation::Enabled)
        .await
        .unwrap();

    // A password reset by an administrator ends the session that knew the
    // old one; removing the mailbox and making it again gives an old
    // cookie nothing, and the new mailbox none of the old one's profile.
    let (zoe, csrf) = w.signed_in("zoe@w.test", ZOE_PASSWORD).await;
    let (status, _, _) = w
        .post(
            &zoe,
            "/settings/profile",
            &[
                ("csrf", &csrf),
                ("display_name", ""),
                ("signature", "Old Zoe"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    Admin::new(&store)
        .set_password("zoe@w.test", "a new long password")
        .await
        .unwrap();
    let response = zoe.get(w.url("/mail?folder=INBOX")).send().await.unwrap();
    assert_eq!(response.headers()[LOCATION], "/login");
    let (zoe, _) = w.signed_in("zoe@w.test", "a new long password").await;
    Admin::new(&store)
        .remove_mailbox("zoe@w.test")
        .await
        .unwrap();
    Admin::new(&store)
        .add_mailbox("zoe@w.test", ZOE_PASSWORD, 0)
        .await
        .unwrap();
    let response = zoe.get(w.url("/mail?folder=INBOX")).send().await.unwrap();
    assert_eq!(response.headers()[LOCATION], "/login");
    assert_eq!(store.get_profile("zoe@w.test").await.unwrap().signature, "");

    // Failed sign-ins from one address are slowed, then refused (429).
    let intruder = browser();
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let csrf = csrf_of(&get(&intruder, &w.url("/login")).await.1);
        let (status, _, _) = w
            .post(
                &intruder,
                "/login",
                &[
                    ("address", "bob@w.test"),
                    ("password", "guess"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        statuses.push(status);
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(
        *statuses.last().unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn reading_csrf_and_other_mailboxes_ids() {
    let w = Webmail::start().await;
    let store = w.store().await;
    let report = deliver(&store, "zoe@w.test", MULTIPART).await;
    let bobs = deliver(
        &store,
        "bob@w.test",
        b"From: x@far.test\r\nSubject: bob's own\r\n\r\nprivate\r\n",
    )
    .await;
    let (zoe, csrf) = w.signed_in("zoe@w.test", ZOE_PASSWORD).await;

    // The list: unread, with an attachment mark; sorts; bad sorts refused.
    let (status, page) = get(&zoe, &w.url("/mail?folder=INBOX")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Quarterly report") && page.contains("class=\"unread\""),
        "{page}"
    );
    assert!(page.contains("title=\"Has attachments\""));
    assert!(page.contains("<span class=\"badge\" title=\"1 unread\">1</span>"));
    for sort in ["date", "from", "subject", "size"] {
        for order in ["asc", "desc"] {
            let (status, _) = get(
                &zoe,
                &w.url(&format!("/mail?folder=INBOX&sort={sort}&order={order}")),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{sort} {order}");
        }
    }
    assert_eq!(
        get(&zoe, &w.url("/mail?folder=INBOX&sort=evil")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&zoe, &w.url("/mail?folder=INBOX&order=sideways"))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&zoe, &w.url("/mail?folder=INBOX&page=x")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&zoe, &w.url("/mail?folder=Nope")).await.0,
        StatusCode::NOT_FOUND
    );

    // Reading: text escaped and linked, marked read, attachments listed.
    let (status, page) = get(&zoe, &w.url(&format!("/message/{}", report.id))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<a href=\"https://far.test/r?a=1&amp;b=2\" target=\"_blank\""),
        "{page}"
    );
    assert!(!page.contains("<script>alert"));
    assert!(w.folder("zoe@w.test", "INBOX").await[0].has_flag("\\Seen"));
    let (_, page) = get(&zoe, &w.url("/message/x/../../etc")).await;
    assert!(!page.contains("root:"));

    // The attachment: a download, never HTML, with a safe name.
    let response = zoe
        .get(w.url(&format!("/message/{}/attachment/0", report.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/octet-stream");
    let disposition = response.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"evil_.html\""),
        "{disposition}"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .starts_with("sandbox"));
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        b"<script>alert(1)</script>"
    );
    assert_eq!(
        get(
            &zoe,
            &w.url(&format!("/message/{}/attachment/7", report.id))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(
            &zoe,
            &w.url(&format!("/message/{}/attachment/-1", report.id))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // Headers and source.
    let (status, page) = get(&zoe, &w.url(&format!("/message/{}/headers", report.id))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Message-ID: &lt;report-1@far.test&gt;"),
        "{page}"
    );
    let response = zoe
        .get(w.url(&format!("/message/{}/raw", report.id)))
        .send()
        .await
        .unwrap();
    assert!(response.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"Quarterly report.eml\""));
    assert_eq!(response.bytes().await.unwrap().as_ref(), MULTIPART);

    // Bob's message does not exist for zoe, on any route.
    for path in ["", "/headers", "/raw", "/attachment/0"] {
        let (status, page) = get(&zoe, &w.url(&format!("/message/{}{path}", bobs.id))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.contains("private"));
    }
    for action in ["read", "delete", "flag", "junk"] {
        let (status, _, _) = w.act(&zoe, &csrf, "INBOX", action, &[&bobs.id]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{action}");
    }
    let (status, _) = get(&zoe, &w.url(&format!("/compose?reply={}", bobs.id))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let bob_now = w.folder("bob@w.test", "INBOX").await;
    assert_eq!(bob_now.len(), 1);
    assert!(
        bob_now[0].flags.is_empty(),
        "untouched: {:?}",
        bob_now[0].flags
    );

    // Every change needs the session's token.
    for (path, form) in [
        (
            "/messages",
            vec![
                ("folder", "INBOX"),
                ("action", "delete"),
                ("id", report.id.as_str()),
            ],
        ),
        ("/folders/create", vec![("name", "X")]),
        ("/folders/empty", vec![("folder", "Trash")]),
        (
            "/settings/profile",
            vec![("display_name", "Z"), ("signature", "")],
        ),
        (
            "/settings/password",
            vec![
                ("current", ZOE_PASSWORD),
                ("new", "a new long password"),
                ("confirm", "a new long password"),
            ],
        ),
        (
            "/settings/vacation",
            vec![("subject", "x"), ("body", "y"), ("interval_days", "7")],
        ),
    ] {
        let (status, _, page) = w.post(&zoe, path, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.contains("did not come from this webmail"), "{path}");
        let mut wrong = form.clone();
        let other = "f".repeat(64);
        wrong.push(("csrf", &other));
        assert_eq!(
            w.post(&zoe, path, &wrong).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let multipart = reqwest::multipart::Form::new()
        .text("to", "bob@w.test")
        .text("subject", "x");
    let response = zoe
        .post(w.url("/compose"))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        w.folder("zoe@w.test", "INBOX").await.len() == 1,
        "nothing changed"
    );
    assert!(w
        .store()
        .await
        .get_profile("zoe@w.test")
        .await
        .unwrap()
        .vacation
        .is_none());

    // Bad input: named, never a 500.
    let (status, _, page) = w
        .post(
            &zoe,
            "/messages",
            &[("csrf", &csrf), ("folder", "INBOX"), ("action", "read")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Tick at least one message"));
    let (status, _, _) = w
        .post(
            &zoe,
            "/messages",
            &[
                ("csrf", &csrf),
                ("folder", "INBOX"),
                ("action", "explode"),
                ("id", &report.id),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, page) = w
        .post(
            &zoe,
            "/messages",
            &[("csrf", &csrf), ("action", "read"), ("id", &report.id)],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("has no field"), "{page}");
    let (status, _, _) = w
        .post(
            &zoe,
            "/messages",
            &[
                ("csrf", &csrf),
                ("folder", "INBOX"),
                ("action", "move"),
                ("target", "Nowhere"),
                ("id", &report.id),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        w.post(&zoe, "/nope", &[("csrf", &csrf)]).await.0,
        StatusCode::NOT_FOUND
    );
    let response = zoe.put(w.url("/messages")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn folders_flags_trash_and_pop3_agree() {
    let w = Webmail::start().await;
    let store = w.store().await;
    let first = deliver(
        &store,
        "zoe@w.test",
        b"From: a@far.test\r\nSubject: first\r\n\r\none\r\n",
    )
    .await;
    let second = deliver(
        &store,
        "zoe@w.test",
        b"From: b@far.test\r\nSubject: second\r\n\r\ntwo\r\n",
    )
    .await;
    let (zoe, csrf) = w.signed_in("zoe@w.test", ZOE_PASSWORD).await;
    assert_eq!(w.pop3_stat("zoe@w.test", ZOE_PASSWORD), Ok(2));

    // Flags: read and flagged, in the store IMAP reads.
    let (status, location, _) = w
        .act(&zoe, &csrf, "INBOX", "flag", &[&first.id, &second.id])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("done=flags"), "{location}");
    assert!(w
        .folder("zoe@w.test", "INBOX")
        .await
        .iter()
        .all(|e| e.has_flag("\\Flagged")));
    w.act(&zoe, &csrf, "INBOX", "read", &[&first.id]).await;
    let inbox = w.folder("zoe@w.test", "INBOX").await;
    assert!(inbox
        .iter()
        .find(|e| e.id == first.id)
        .unwrap()
        .has_flag("\\Seen"));
    assert!(!inbox
        .iter()
        .find(|e| e.id == second.id)
        .unwrap()
        .has_flag("\\Seen"));

    // Delete: to Trash; POP3 sees it gone at once; restore; delete for good.
    w.act(&zoe, &csrf, "INBOX", "delete", &[&first.id]).await;
    assert_eq!(w.pop3_stat("zoe@w.test", ZOE_PASSWORD), Ok(1));
    let trash = w.folder("zoe@w.test", "Trash").await;
    assert_eq!(trash.len(), 1);
    assert!(
        trash[0].has_flag("\\Flagged"),
        "flags travel with the message"
    );
    let (_, page) = get(&zoe, &w.url("/mail?folder=Trash")).await;
    assert!(page.contains("first") && page.contains("Empty Trash"));
    w.act(&zoe, &csrf, "Trash", "restore", &[&trash[0].id])
        .await;
    assert_eq!(w.pop3_stat("zoe@w.test", ZOE_PASSWORD), Ok(2));
    // POP3 deletes; webmail lists what is left.
    w.pop3_delete_first("zoe@w.test", ZOE_PASSWORD);
    let (_, page) = get(&zoe, &w.url("/mail?folder=INBOX")).await;
    assert_eq!(page.matches("data-href=").count(), 1, "{page}");

    // Junk and back.
    let left = w.folder("zoe@w.test", "INBOX").await;
    w.act(&zoe, &csrf, "INBOX", "junk", &[&left[0].id]).await;
    let junk = w.folder("zoe@w.test", "Junk").await;
    assert_eq!(junk.len(), 1);
    assert_eq!(w.pop3_stat("zoe@w.test", ZOE_PASSWORD), Ok(0));

    // Folders: create, bad names, rename, move into, delete; the special
    // ones stay.
    let (status, _, _) = w
        .post(
            &zoe,
            "/folders/create",
            &[("csrf", &csrf), ("name", "Projects")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for (bad, why) in [
        ("", "empty"),
        ("a//b", "empty level"),
        ("a*", "forbidden character"),
        ("Projects", "exists already"),
    ] {
        let (status, _, page) = w
            .post(&zoe, "/folders/create", &[("csrf", &csrf), ("name", bad)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(page.contains(why), "{bad:?}: {page}");
    }
    w.post(
        &zoe,
        "/folders/create",
        &[("csrf", &csrf), ("name", "Projects/2026")],
    )
    .await;
    let (status, _, _) = w
        .post(
            &zoe,
            "/folders/rename",
            &[("csrf", &csrf), ("from", "Projects"), ("to", "Work")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        store
            .get_folder("zoe@w.test", "Work/2026")
            .await
            .unwrap()
            .is_some(),
        "children follow"
    );
    for (from, to) in [("INBOX", "X"), ("Sent", "X"), ("Work", "Work/2026/x")] {
        let (status, _, _) = w
            .post(
                &zoe,
                "/folders/rename",
                &[("csrf", &csrf), ("from", from), ("to", to)],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{from} -> {to}");
    }
    w.post(
        &zoe,
        "/messages",
        &[
            ("csrf", &csrf),
            ("folder", "Junk"),
            ("action", "move"),
            ("target", "Work/2026"),
            ("id", &junk[0].id),
        ],
    )
    .await;
    assert_eq!(w.folder("zoe@w.test", "Work/2026").await.len(), 1);
    let (_, page) = get(&zoe, &w.url("/folders")).await;
    assert!(page.contains("Work&#x2f;2026"), "{page}");
    let (status, _, page) = w
        .post(
            &zoe,
            "/folders/delete",
            &[("csrf", &csrf), ("name", "Work")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("has folders inside it"));
    for name in ["INBOX", "Trash"] {
        let (status, _, _) = w
            .post(&zoe, "/folders/delete", &[("csrf", &csrf), ("name", name)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
    }
    w.post(
        &zoe,
        "/folders/delete",
        &[("csrf", &csrf), ("name", "Work/2026")],
    )
    .await;
    assert!(store
        .get_folder("zoe@w.test", "Work/2026")
        .await
        .unwrap()
        .is_none());

    // Emptying Trash (only Trash and Junk can be emptied).
    let third = deliver(
        &store,
        "zoe@w.test",
        b"From: c@far.test\r\nSubject: third\r\n\r\nthree\r\n",
    )
    .await;
    w.act(&zoe, &csrf, "INBOX", "delete", &[&third.id]).await;
    assert_eq!(
        w.post(
            &zoe,
            "/folders/empty",
            &[("csrf", &csrf), ("folder", "INBOX")]
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, location, _) = w
        .post(
            &zoe,
            "/folders/empty",
            &[("csrf", &csrf), ("folder", "Trash")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("done=emptied"));
    assert!(w.folder("zoe@w.test", "Trash").await.is_empty());

    // Search: by sender, subject, recipient and body; in one folder or all.
    deliver(&store, "zoe@w.test", b"From: Carol <carol@far.test>\r\nTo: zoe@w.test, team@far.test\r\nSubject: Budget\r\n\r\nThe pineapple figures\r\n").await;
    for q in ["carol", "budget", "team@far", "PINEAPPLE"] {
        let (status, page) = get(&zoe, &w.url(&format!("/mail?folder=INBOX&q={q}"))).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Budget"), "{q}");
        assert!(page.contains("1 message"), "{q}");
    }
    let (_, page) = get(&zoe, &w.url("/mail?folder=Sent&q=pineapple")).await;
    assert!(page.contains("Nothing matches"));
    let (_, page) = get(&zoe, &w.url("/mail?folder=Sent&q=pineapple&in=all")).await;
    assert!(
        page.contains("Budget") && page.contains("<span class=\"pill\">INBOX</span>"),
        "{page}"
    );
}

#[tokio::test]
async fn compose_drafts_profile_and_password() {
    let w = Webmail::start().await;
    let store = w.store().await;
    let original = deliver(&store, "zoe@w.test", b"From: Ann <ann@far.test>\r\nTo: zoe@w.test, bob@w.test\r\nCc: carl@far.test\r\nSubject: Lunch\r\nMessage-ID: <lunch-1@far.test>\r\nReferences: <plan-0@far.test>\r\n\r\nShall we?\r\n").await;
    let (zoe, csrf) = w.signed_in("zoe@w.test", ZOE_PASSWORD).await;
    let send = |form: reqwest::multipart::Form| {
        let zoe = zoe.clone();
        let url = w.url("/compose");
        async move {
            let response = zoe.post(url).multipart(form).send().await.unwrap();
            let status = response.status();
            let location = response
                .headers()
                .get(LOCATION)
                .map(|l| l.to_str().unwrap().to_string())
                .unwrap_or_default();
            (status, location, response.text().await.unwrap())
        }
    };
    let form = |pairs: &[(&str, &str)]| {
        let mut f = reqwest::multipart::Form::new().text("csrf", csrf.clone());
        for (k, v) in pairs {
            f = f.text(k.to_string(), v.to_string());
        }
        f
    };

    // The reply form: quoted, addressed, referenced.
    let (status, page) = get(
        &zoe,
        &w.url(&format!("/compose?reply={}&all=1", original.id)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"Re: Lunch\""));
    assert!(
        page.contains("value=\"&lt;lunch-1@far.test&gt;\""),
        "In-Reply-To: {page}"
    );
    assert!(page.contains("&lt;plan-0@far.test&gt; &lt;lunch-1@far.test&gt;"));
    assert!(page.contains("&gt; Shall we?"));
    assert!(
        page.contains("bob@w.test") && page.contains("carl@far.test"),
        "reply all"
    );

    // Sending: bad recipients, another's address, too large: refused, named.
    let (status, _, page) = send(form(&[
        ("to", "not an address"),
        ("subject", "x"),
        ("body", "y"),
    ]))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("is not a mail address") && page.contains("value=\"x\""),
        "kept: {page}"
    );
    let (status, _, page) = send(form(&[("to", ""), ("body", "y")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Add at least one recipient"));
    // Submission's recipient bound holds here too: 101 are refused.
    let many: Vec<String> = (0..101).map(|n| format!("r{n}@far.test")).collect();
    let (status, _, page) = send(form(&[("to", &many.join(", ")), ("body", "y")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("at most 100 recipients"), "{page}");
    let (status, _, page) = send(form(&[
        ("from", "bob@w.test"),
        ("to", "ann@far.test"),
        ("body", "y"),
    ]))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("You may not send as bob@w.test"));
    // A catch-all that delivers to zoe is no address she may send as.
    Admin::new(&store)
        .add_alias("@w.test", &["zoe@w.test".to_string()])
        .await
        .unwrap();
    let (status, _, page) = send(form(&[
        ("from", "@w.test"),
        ("to", "ann@far.test"),
        ("body", "y"),
    ]))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("You may not send as @w.test"), "{page}");
    Admin::new(&store).remove_alias("@w.test").await.unwrap();
    let big = form(&[("to", "ann@far.test"), ("body", "big")]).part(
        "attachment",
        reqwest::multipart::Part::bytes(vec![b'x'; 300_000]).file_name("big.bin"),
    );
    let (status, _, page) = send(big).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("at most 200"), "{page}");
    let (status, _, _) = send(form(&[("to", "ann@far.test"), ("action", "launch")])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        store.list_queued(None, 100).await.unwrap().is_empty(),
        "nothing queued"
    );

    // A reply from the alias, with an attachment: queued for everyone (Bcc
    // too, but not in the headers), a copy in Sent, the original answered.
    let reply = form(&[
        ("from", "sales@w.test"),
        ("to", "Ann <ann@far.test>"),
        ("cc", "bob@w.test"),
        ("bcc", "secret@far.test"),
        ("subject", "Re: Lunch"),
        ("body", "Yes!"),
        ("in_reply_to", "<lunch-1@far.test>"),
        ("references", "<plan-0@far.test> <lunch-1@far.test>"),
        ("reply_of", &original.id),
    ])
    .part(
        "attachment",
        reqwest::multipart::Part::bytes(b"menu".to_vec())
            .file_name("menu.txt")
            .mime_str("text/plain")
            .unwrap(),
    );
    let (status, location, page) = send(reply).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.ends_with("done=sent"));
    let queued = store.list_queued(None, 100).await.unwrap();
    assert_eq!(queued.len(), 1);
    let q = &queued[0];
    assert_eq!(q.mail_from, "sales@w.test");
    let mut rcpts: Vec<&str> = q.recipients.iter().map(|r| r.address.as_str()).collect();
    rcpts.sort();
    assert_eq!(rcpts, ["ann@far.test", "bob@w.test", "secret@far.test"]);
    assert_eq!(q.origin.auth_user.as_deref(), Some("zoe@w.test"));
    let full = store.get_queued(&q.id).await.unwrap().unwrap();
    let bytes = store.get_blob(&full.blob).await.unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("In-Reply-To: <lunch-1@far.test>"), "{text}");
    assert!(text.contains("References: <plan-0@far.test> <lunch-1@far.test>"));
    assert!(
        !text.contains("secret@far.test"),
        "Bcc is not in the headers"
    );
    assert!(text.contains("menu.txt"));
    let sent = w.folder("zoe@w.test", "Sent").await;
    assert_eq!(sent.len(), 1);
    let (_, page) = get(&zoe, &w.url("/mail?folder=Sent")).await;
    assert!(
        page.contains(">To</a>") && page.contains("Ann &lt;ann@far.test&gt;"),
        "{page}"
    );
    assert!(sent[0].has_flag("\\Seen"));
    assert!(w.folder("zoe@w.test", "INBOX").await[0].has_flag("\\Answered"));

    // A draft: saved (Bcc kept), opened again, replaced when sent.
    let (status, location, _) = send(form(&[
        ("to", "ann@far.test"),
        ("bcc", "hidden@far.test"),
        ("subject", "Plan"),
        ("body", "draft text"),
        ("action", "save"),
    ]))
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("done=draft"));
    let drafts = w.folder("zoe@w.test", "Drafts").await;
    assert_eq!(drafts.len(), 1);
    assert!(drafts[0].has_flag("\\Draft"));
    let (_, page) = get(&zoe, &w.url(&format!("/compose?draft={}", drafts[0].id))).await;
    assert!(
        page.contains("value=\"Plan\"")
            && page.contains("draft text")
            && page.contains("hidden@far.test"),
        "{page}"
    );
    let (status, _, _) = send(form(&[
        ("to", "ann@far.test"),
        ("subject", "Plan"),
        ("body", "final"),
        ("draft", &drafts[0].id),
    ]))
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(w.folder("zoe@w.test", "Drafts").await.is_empty());

    // Forward carries the attachments ticked.
    let mixed = deliver(&store, "zoe@w.test", MULTIPART).await;
    let (_, page) = get(&zoe, &w.url(&format!("/compose?forward={}", mixed.id))).await;
    assert!(page.contains("Fwd: Quarterly report") && page.contains("name=\"keep\" value=\"0\""));
    let (status, _, _) = send(form(&[
        ("to", "ann@far.test"),
        ("subject", "Fwd"),
        ("body", "fyi"),
        ("carry", &mixed.id),
        ("keep", "0"),
    ]))
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = send(form(&[
        ("to", "ann@far.test"),
        ("carry", &mixed.id),
        ("keep", "9"),
    ]))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // One attachment named a thousand times is carried once.
    let mut fields = vec![
        ("to", "ann@far.test"),
        ("subject", "Once"),
        ("carry", mixed.id.as_str()),
    ];
    fields.extend(std::iter::repeat_n(("keep", "0"), 1000));
    let (status, _, _) = send(form(&fields)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let sent = w.folder("zoe@w.test", "Sent").await;
    let once = sent
        .iter()
        .find(|e| e.subject.as_deref() == Some("Once"))
        .expect("filed in Sent");
    let once = store
        .get_entry("zoe@w.test", &once.id)
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&store.get_blob(&once.blob).await.unwrap()).into_owned();
    assert_eq!(
        text.matches("Content-Disposition: attachment").count(),
        1,
        "{text}"
    );

    // A full mailbox keeps no draft and no copy in Sent; the mail still goes.
    Admin::new(&store)
        .set_mailbox_details("zoe@w.test", 1, "")
        .await
        .unwrap();
    let (status, _, page) = send(form(&[("to", "ann@far.test"), ("action", "save")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("mailbox is full"), "{page}");
    let sent_before = w.folder("zoe@w.test", "Sent").await.len();
    let (status, location, _) = send(form(&[("to", "ann@far.test"), ("subject", "Full")])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("done=sentnocopy"), "{location}");
    assert_eq!(w.folder("zoe@w.test", "Sent").await.len(), sent_before);
    assert!(store.list_queued(None, 100).await.unwrap().iter().any(|m| m
        .headers
        .subject
        .as_deref()
        == Some("Full")));
    Admin::new(&store)
        .set_mailbox_details("zoe@w.test", 0, "")
        .await
        .unwrap();

    // Profile: name and signature; the signature opens every new message.
    let (status, _, _) = w
        .post(
            &zoe,
            "/settings/profile",
            &[
                ("csrf", &csrf),
                ("display_name", "Zoe Z"),
                ("signature", "Zoe\nw.test"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = get(&zoe, &w.url("/compose")).await;
    assert!(page.contains("-- \nZoe\nw.test"), "{page}");
    let (_, page) = get(&zoe, &w.url("/settings")).await;
    assert!(page.contains("sales@w.test") && page.contains("value=\"Zoe Z\""));
    let (status, _, _) = w
        .post(
            &zoe,
            "/settings/profile",
            &[
                ("csrf", &csrf),
                ("display_name", "bad\u{7}name"),
                ("signature", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Picture: images only, checked by content, at most 5 MB.
    let picture = |bytes: Vec<u8>, name: &str, media: &str| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part(
                "picture",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(name.to_string())
                    .mime_str(media)
                    .unwrap(),
            )
    };
    let post_picture = |form: reqwest::multipart::Form| {
        let zoe = zoe.clone();
        let url = w.url("/settings/picture");
        async move { zoe.post(url).multipart(form).send().await.unwrap().status() }
    };
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    assert_eq!(
        post_picture(picture(svg, "a.png", "image/png")).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut huge = b"\x89PNG\r\n\x1a\n".to_vec();
    huge.resize(5 * 1024 * 1024 + 1, 0);
    assert_eq!(
        post_picture(picture(huge, "huge.png", "image/png")).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    assert_eq!(
        post_picture(picture(png.clone(), "me.png", "text/html")).await,
        StatusCode::SEE_OTHER
    );
    let response = zoe.get(w.url("/picture")).send().await.unwrap();
    assert_eq!(response.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.bytes().await.unwrap().to_vec(), png);

    // Vacation: dates and interval checked.
    for (start, end, interval, why) in [
        ("2026-13-01", "", "7", "must look like"),
        ("2026-07-10", "2026-07-01", "7", "comes before"),
        ("", "", "0", "1 to 365"),
    ] {
        let (status, _, page) = w
            .post(
                &zoe,
                "/settings/vacation",
                &[
                    ("csrf", &csrf),
                    ("enabled", "1"),
                    ("start", start),
                    ("end", end),
                    ("interval_days", interval),
                    ("subject", "Away"),
                    ("body", "Back soon"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(page.contains(why), "{why}: {page}");
    }

    // Password: the current one is required; then the old one fails POP3.
    let (status, _, page) = w
        .post(
            &zoe,
            "/settings/password",
            &[
                ("csrf", &csrf),
                ("current", "wrong"),
                ("new", "a new long password"),
                ("confirm", "a new long password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("current password is wrong"));
    let (status, _, page) = w
        .post(
            &zoe,
            "/settings/password",
            &[
                ("csrf", &csrf),
                ("current", ZOE_PASSWORD),
                ("new", "a new long password"),
                ("confirm", "another"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let (other_session, _) = w.signed_in("zoe@w.test", ZOE_PASSWORD).await;
    let (status, _, _) = w
        .post(
            &zoe,
            "/settings/password",
            &[
                ("csrf", &csrf),
                ("current", ZOE_PASSWORD),
                ("new", "a new long password"),
                ("confirm", "a new long password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        w.pop3_stat("zoe@w.test", ZOE_PASSWORD).is_err(),
        "the old password fails"
    );
    assert!(w.pop3_stat("zoe@w.test", "a new long password").is_ok());
    assert_eq!(
        get(&zoe, &w.url("/settings")).await.0,
        StatusCode::OK,
        "this session stays"
    );
    let response = other_session.get(w.url("/settings")).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the other session ended"
    );

    // No OpenPGP key yet: 404 with words; made by an administrator: served.
    let (status, page) = get(&zoe, &w.url("/settings/pgp-key")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("no OpenPGP key"));
    let armoured =
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF...\n-----END PGP PUBLIC KEY BLOCK-----\n";
    store
        .set_pgp_public_key("zoe@w.test", armoured)
        .await
        .unwrap();
    let response = zoe.get(w.url("/settings/pgp-key")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/pgp-keys");
    assert!(response.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"zoe@w.test.asc\""));
    assert_eq!(response.text().await.unwrap(), armoured);
}

#[tokio::test]
async fn paging_marks_and_inline_images() {
    let w = Webmail::start().await;
    let store = w.store().await;
    for n in 0..53 {
        let raw = format!("From: s{n}@far.test\r\nSubject: Message {n:02}\r\n\r\nbody {n}\r\n");
        deliver(&store, "zoe@w.test", raw.as_bytes()).await;
    }
    let (zoe, csrf) = w.signed_in("zoe@w.test", ZOE_PASSWORD).await;
    // 50 to a page, newest first; the rest on page 2.
    let (_, first) = get(&zoe, &w.url("/mail?folder=INBOX")).await;
    assert_eq!(first.matches("data-href=").count(), 50);
    assert!(first.contains(">Message 52<") && !first.contains(">Message 02<"));
    assert!(first.contains("Page 1 of 2") && first.contains("rel=\"next\""));
    let (_, second) = get(&zoe, &w.url("/mail?folder=INBOX&page=2")).await;
    assert_eq!(second.matches("data-href=").count(), 3);
    assert!(second.contains(">Message 00<") && second.contains("rel=\"prev\""));
    let (_, by_subject) = get(&zoe, &w.url("/mail?folder=INBOX&sort=subject&order=asc")).await;
    let at = |page: &str, s: &str| page.find(s).unwrap();
    assert!(at(&by_subject, ">Message 00<") < at(&by_subject, ">Message 01<"));
    let (_, empty) = get(&zoe, &w.url("/mail?folder=INBOX&page=9")).await;
    assert!(empty.contains("No messages"));

    // The flagged mark, set from the list.
    let inbox = w.folder("zoe@w.test", "INBOX").await;
    let target = inbox
        .iter()
        .find(|e| e.subject.as_deref() == Some("Message 52"))
        .unwrap();
    w.act(&zoe, &csrf, "INBOX", "flag", &[&target.id]).await;
    let (_, first) = get(&zoe, &w.url("/mail?folder=INBOX")).await;
    assert_eq!(first.matches("title=\"Flagged\"").count(), 1);

    // An HTML message whose logo is one of its own parts (cid:) shows it
    // inline, as a data: URL inside the frame, while a remote one waits.
    let related = b"From: news@far.test\r\nSubject: Inline logo\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/related; boundary=R\r\n\r\n--R\r\nContent-Type: text/html\r\n\r\n\
<p>Hello<img src=\"cid:logo@far.test\" alt=logo><img src=\"https://far.test/t.gif\"></p>\r\n--R\r\n\
Content-Type: image/png\r\nContent-ID: <logo@far.test>\r\nContent-Transfer-Encoding: base64\r\n\r\n\
iVBORw0KGgo=\r\n--R--\r\n";
    let entry = deliver(&store, "zoe@w.test", related).await;
    let (csp, page) = with_csp(&zoe, &w.url(&format!("/message/{}", entry.id))).await;
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    assert!(
        page.contains("srcdoc=") && page.contains("sandbox=\"allow-popups"),
        "{page}"
    );
    assert!(
        page.contains("data:image&#x2f;png;base64,iVBORw0KGgo="),
        "{page}"
    );
    assert!(!page.contains("far.test&#x2f;t.gif"));
    assert!(page.contains("1 remote image was blocked"));
    let (csp, page) = with_csp(&zoe, &w.url(&format!("/message/{}?images=1", entry.id))).await;
    assert!(csp.contains("img-src 'self' data: https: http:"), "{csp}");
    assert!(page.contains("far.test&#x2f;t.gif"));
}

/// Sends a message from the browser: the status and the page or redirect.
async fn compose_send(w: &Webmail, browser: &Client, csrf: &str, to: &str) -> (StatusCode, String) {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("to", to.to_string())
        .text("subject", "limits")
        .text("body", "hello");
    let response = browser
        .post(w.url("/compose"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_string());
    let page = response.text().await.unwrap();
    (status, location.unwrap_or(page))
}

#[tokio::test]
async fn sends_count_toward_submissions_hourly_limits() {
    let w = Webmail::start_with(&[
        ("SEND_LIMIT_MESSAGES_PER_HOUR", "4"),
        ("SEND_LIMIT_RECIPIENTS_PER_HOUR", "5"),
    ])
    .await;
    // One message through submission, on an engine of the same store.
    let engine = Service::start(
        &binary("smtp-engine"),
        &w.env,
        w.dir.path(),
        Ports::at(w.ports.status),
    );
    let sent = mismo_testkit::python()
        .arg("-c")
        .arg(
            "import smtplib, ssl, sys\n\
             ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE\n\
             s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=60)\n\
             s.starttls(context=ctx); s.login('zoe@w.test', sys.argv[2])\n\
             s.sendmail('zoe@w.test', ['bob@w.test'], b'From: zoe@w.test\\r\\nSubject: s\\r\\n\\r\\nhi\\r\\n')\n\
             s.quit()\n",
        )
        .arg(w.ports.submission.to_string())
        .arg(ZOE_PASSWORD)
        .output()
        .unwrap();
    assert!(sent.status.success(), "{sent:?}");
    drop(engine);

    let (zoe, csrf) = w.signed_in("zoe@w.test", ZOE_PASSWORD).await;
    let (status, to) = compose_send(&w, &zoe, &csrf, "bob@w.test").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    // Four more recipients would make six of five.
    let (status, page) = compose_send(
        &w,
        &zoe,
        &csrf,
        "a@far.test, b@far.test, c@far.test, d@far.test",
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(
        page.contains("Sending limit reached: 5 recipients an hour"),
        "{page}"
    );
    let (status, to) = compose_send(&w, &zoe, &csrf, "bob@w.test").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    // Submission's one, webmail's two and the refused one make four.
    let (status, page) = compose_send(&w, &zoe, &csrf, "bob@w.test").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(
        page.contains("Sending limit reached: 4 messages an hour"),
        "{page}"
    );
    let queued = w.store().await.list_queued(None, 100).await.unwrap();
    assert_eq!(queued.len(), 3, "{queued:?}");
    // Another mailbox sends as before.
    let (bob, csrf) = w.signed_in("bob@w.test", BOB_PASSWORD).await;
    let (status, to) = compose_send(&w, &bob, &csrf, "zoe@w.test").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
}

/// A browser whose connections come from `local` (a loopback address).
fn browser_from(local: &str) -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(local.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// Signs in from `browser` with `X-Forwarded-For: forwarded`; the status.
async fn sign_in_forwarded(
    w: &Webmail,
    browser: &Client,
    forwarded: &str,
    password: &str,
) -> StatusCode {
    let (status, page) = get(browser, &w.url("/login")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let csrf = csrf_of(&page);
    browser
        .post(w.url("/login"))
        .header("x-forwarded-for", forwarded)
        .form(&[
            ("address", "bob@w.test"),
            ("password", password),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn forwarded_clients_are_believed_only_from_trusted_proxies() {
    let w = Webmail::start_with(&[("WEB_TRUSTED_PROXIES", "127.0.0.2")]).await;
    // Straight from a client, a header of its own choosing changes nothing:
    // the sixth failure from one address is refused, whatever it claims.
    let direct = browser_from("127.0.0.3");
    let mut statuses = Vec::new();
    for n in 0..7 {
        statuses.push(sign_in_forwarded(&w, &direct, &format!("198.51.100.{n}"), "guess").await);
    }
    assert_eq!(
        *statuses.last().unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "{statuses:?}"
    );

    // Through the trusted proxy, each client has a budget of its own: one
    // attacker behind it uses up only its own.
    let proxy = browser_from("127.0.0.2");
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(sign_in_forwarded(&w, &proxy, "203.0.113.7", "guess").await);
    }
    assert_eq!(
        *statuses.last().unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "{statuses:?}"
    );
    assert_eq!(
        sign_in_forwarded(&w, &proxy, "203.0.113.7", BOB_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_forwarded(&w, &proxy, "203.0.113.8", BOB_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    // A client cannot slip a fresh address in front of the proxy's.
    let proxy = browser_from("127.0.0.2");
    assert_eq!(
        sign_in_forwarded(&w, &proxy, "192.0.2.1, 203.0.113.7", BOB_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
