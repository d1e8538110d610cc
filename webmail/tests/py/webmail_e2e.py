"""Webmail end to end in headless Chromium (Debian's chromium, driven by
Playwright), against a running cluster (smtp-engine, qprocessor, pop3d,
webmail): read a multipart message and download its attachment; a corpus
of hostile HTML mail, delivered over SMTP, in which no script may run and
no remote fetch happen until "Show images" is clicked (a loopback HTTP
server counts every request); compose with an attachment to a local and a
remote address; reply (In-Reply-To checked on the delivered reply); save a
draft; delete and restore from Trash; keyboard shortcuts; change the
password (the old one then fails POP3); set a vacation reply and receive
it. A screenshot of every page goes to SHOTS, and a phone-sized one of the
main pages.

usage: webmail_e2e.py WEBMAIL_URL SMTP_PORT POP3S_PORT IMAPS_PORT SHOTS
"""

import datetime
import email
import email.policy
import http.server
import imaplib
import os
import poplib
import smtplib
import ssl
import sys
import tempfile
import threading
import time

from playwright.sync_api import expect, sync_playwright

BASE, SMTP_PORT, POP3S_PORT, IMAPS_PORT, SHOTS = sys.argv[1:6]
ZOE = "zoe@w.test"
ZOE_PASSWORD = "zoe's long password"
NEW_PASSWORD = "zoe's new long password"
BOB = "bob@w.test"
BOB_PASSWORD = "bob's long password"
CAROL = "carol@w.test"
CAROL_PASSWORD = "carol's long password"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

# A loopback web server that counts what is asked of it, by path.
HITS = {}


class Counter(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        HITS[self.path] = HITS.get(self.path, 0) + 1
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01"
                         b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

    do_POST = do_GET

    def log_message(self, *args):
        pass


counter = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counter)
threading.Thread(target=counter.serve_forever, daemon=True).start()
C = f"http://127.0.0.1:{counter.server_address[1]}"

# Each hostile message tries one way in; every attempt, if it worked,
# would ask the counter for a path of its own.
HOSTILE = {
    "script": f"<p>hello</p><script>fetch('{C}/script');parent.document.title='PWNED'</script>",
    "handlers": f"<img src=x onerror=\"fetch('{C}/onerror')\"><body onload=\"fetch('{C}/onload')\">"
                f"<div onmouseover=\"fetch('{C}/hover')\">hover me</div>",
    "links": f"<a id=js href=\"javascript:fetch('{C}/javascript')\">click me</a> "
             f"<a id=data href=\"data:text/html,<script>fetch('{C}/data')</script>\">or me</a>",
    "svg": f"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"fetch('{C}/svg-onload')\">"
           f"<script>fetch('{C}/svg-script')</script><image href=\"{C}/svg-image\"/></svg>",
    "css": f"<style>@import url({C}/import.css); body {{ background: url({C}/style-bg) }}</style>"
           f"<link rel=stylesheet href=\"{C}/link.css\">"
           f"<div style=\"background:url({C}/inline-bg)\">a</div>"
           f"<div style=\"width:expression(fetch('{C}/expression'))\">b</div>"
           f"<div style=\"--u:url({C}/var); background-image:var(--u)\">c</div>"
           f"<div style=\"background:\\75 rl({C}/escaped)\">d</div>",
    "refresh": f"<meta http-equiv=\"refresh\" content=\"0;url={C}/refresh\"><p>wait</p>",
    "form": f"<form action=\"{C}/form\" method=post><input name=card autofocus onfocus=\"fetch('{C}/focus')\">"
            f"<button id=go>Pay</button></form>",
    "frames": f"<iframe src=\"{C}/iframe\"></iframe><object data=\"{C}/object\"></object>"
              f"<embed src=\"{C}/embed\"><base href=\"{C}/base/\"><a href=\"rel\">relative</a>",
    "images": f"<p>Our newsletter</p><img id=pixel src=\"{C}/pixel.png\" alt=\"pixel\">"
              f"<table background=\"{C}/table-bg\"><tr><td>cell</td></tr></table>",
}


def pop3(user, password):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    p = poplib.POP3_SSL("127.0.0.1", int(POP3S_PORT), context=ctx, timeout=20)
    p.user(user)
    p.pass_(password)
    return p


def pop3_login(user, password):
    try:
        pop3(user, password).quit()
        return True
    except poplib.error_proto:
        return False


def pop3_messages(user, password):
    p = pop3(user, password)
    out = []
    for i in range(1, p.stat()[0] + 1):
        out.append(email.message_from_bytes(b"\r\n".join(p.retr(i)[1]), policy=email.policy.default))
    p.quit()
    return out


def wait_for_mail(user, password, test, what):
    for _ in range(150):
        found = [m for m in pop3_messages(user, password) if test(m)]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"{what} never reached {user}")


def imap(password=ZOE_PASSWORD):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c = imaplib.IMAP4_SSL("127.0.0.1", int(IMAPS_PORT), ssl_context=ctx, timeout=20)
    c.login(ZOE, password)
    return c


def imap_flags(subject, folder="INBOX"):
    """The IMAP flags of the message with this subject."""
    c = imap()
    c.select(folder)
    typ, found = c.search(None, "SUBJECT", f'"{subject}"')
    assert typ == "OK" and found[0], f"IMAP does not find {subject!r} in {folder}"
    typ, data = c.fetch(found[0].split()[0], "(FLAGS)")
    c.logout()
    return data[0].decode()


def smtp_send(sender, rcpt, raw):
    with smtplib.SMTP("127.0.0.1", int(SMTP_PORT), timeout=30) as smtp:
        smtp.sendmail(sender, [rcpt], raw)


def shot(page, name):
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def open_list(page, folder="INBOX"):
    page.goto(f"{BASE}/mail?folder={folder}")


def wait_listed(page, subject, folder="INBOX"):
    for _ in range(150):
        open_list(page, folder)
        if page.locator(f"table.messages td.col-subject a:text-is('{subject}')").count():
            return
        time.sleep(0.2)
    raise AssertionError(f"{subject} never listed in {folder}")


def open_message(page, subject):
    page.click(f"table.messages td.col-subject a:text-is('{subject}')")
    expect(page.locator(".reader h1")).to_contain_text(subject)


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # Sign in.
    page.goto(f"{BASE}/login")
    shot(page, "01-login")
    page.fill("input[name=address]", "zoe@w.test")
    page.fill("input[name=password]", "wrong password")
    page.click("button:has-text('Sign in')")
    expect(page.locator(".error")).to_contain_text("Wrong address or password")
    page.fill("input[name=password]", ZOE_PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page.locator("h1")).to_have_text("INBOX")
    shot(page, "02-inbox")
    # The folder list updates the page in place (htmx), not by reloading it.
    assert page.evaluate("typeof window.htmx") == "object", "htmx is served and runs"
    page.evaluate("window.keptAcrossUpdates = true")
    page.click("nav.side a:has-text('Sent')")
    expect(page.locator("h1")).to_have_text("Sent")
    assert page.evaluate("window.keptAcrossUpdates === true"), "the page was reloaded"
    assert "folder=Sent" in page.url, page.url
    page.click("nav.side a:has-text('INBOX')")
    expect(page.locator("h1")).to_have_text("INBOX")

    # A multipart message: its text, and its attachment as a download.
    open_message(page, "Quarterly report")
    expect(page.locator(".plain")).to_contain_text("The report is attached")
    expect(page.locator(".plain a[href='https://far.test/report']")).to_be_visible()
    shot(page, "03-message-multipart")
    with page.expect_download() as download:
        page.click(".attachments a:has-text('figures.csv')")
    assert download.value.suggested_filename == "figures.csv", download.value.suggested_filename
    assert open(download.value.path(), "rb").read() == b"quarter,total\r\nQ3,42\r\n"
    # Read in webmail is read over IMAP; flagged over IMAP is flagged here.
    assert "\\Seen" in imap_flags("Quarterly report"), imap_flags("Quarterly report")
    c = imap()
    c.select("INBOX")
    typ, found = c.search(None, "SUBJECT", '"Lunch on Friday?"')
    c.store(found[0].split()[0], "+FLAGS", "(\\Flagged)")
    c.logout()
    open_list(page)
    row = page.locator("table.messages tr", has=page.locator("a:text-is('Lunch on Friday?')"))
    expect(row.locator(".flag")).to_be_visible()
    open_message(page, "Quarterly report")
    page.click("a:has-text('All headers')")
    expect(page.locator("pre.headers")).to_contain_text("Message-ID: <report-1@far.test>")
    shot(page, "04-headers")

    # The hostile corpus, over SMTP.
    for name, html in HOSTILE.items():
        smtp_send("mallory@far.test", ZOE,
                  (f"From: Mallory <mallory@far.test>\r\nTo: {ZOE}\r\nSubject: hostile {name}\r\n"
                   f"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                   f"<html><body>{html}<p>payload {name}</p></body></html>\r\n").encode())
    for name in HOSTILE:
        wait_listed(page, f"hostile {name}")
        open_message(page, f"hostile {name}")
        frame = page.frame_locator("iframe.mailframe")
        expect(frame.locator("body")).to_contain_text(f"payload {name}")
        if name == "links":
            for link in ["#js", "#data"]:
                if frame.locator(link).count():
                    frame.locator(link).click()
        if name == "handlers":
            frame.locator("text=hover me").hover()
        if name == "form":
            assert frame.locator("form, input, button").count() == 0, "a form was kept"
        page.wait_for_timeout(300)
        shot(page, f"05-hostile-{name}")
    time.sleep(1)
    assert HITS == {}, f"a hostile message reached out: {HITS}"
    assert dialogs == [], dialogs
    assert "PWNED" not in page.title()
    print("hostile corpus: no script ran, no request made:", ", ".join(HOSTILE))

    # Remote images: blocked until asked for, for that message only.
    open_list(page)
    open_message(page, "hostile images")
    expect(page.locator(".notice.images")).to_contain_text("remote image")
    shot(page, "06-images-blocked")
    assert HITS == {}, HITS
    page.click("#show-images")
    frame = page.frame_locator("iframe.mailframe")
    expect(frame.locator("img[alt=pixel]")).to_be_visible()
    for _ in range(50):
        if HITS.get("/pixel.png"):
            break
        time.sleep(0.1)
    assert HITS.get("/pixel.png", 0) >= 1, f"show images fetched nothing: {HITS}"
    assert set(HITS) == {"/pixel.png"}, f"more than the image was fetched: {HITS}"
    shot(page, "07-images-shown")
    hits_after = dict(HITS)
    open_list(page)
    open_message(page, "hostile css")
    page.wait_for_timeout(300)
    assert HITS == hits_after, f"images shown for one message only: {HITS}"
    print("remote images: 0 requests until 'Show images', then", HITS["/pixel.png"])

    # Keyboard: j moves, o opens, # deletes (to Trash).
    open_list(page)
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("table.messages tr.current")).to_have_count(1)
    page.keyboard.press("o")
    expect(page.locator(".reader")).to_be_visible()
    subject = page.locator(".reader h1").inner_text()
    page.keyboard.press("#")
    expect(page.locator(".notice")).to_contain_text("Moved to Trash")
    page.goto(f"{BASE}/mail?folder=Trash")
    expect(page.locator(f"table.messages td.col-subject a:text-is('{subject}')")).to_be_visible()

    # Delete and restore: from the message page to Trash, then back (a
    # message the keys above cannot have taken: they act on the newest).
    open_list(page)
    open_message(page, "Lunch on Friday?")
    page.click(".reader button:has-text('Delete')")
    expect(page.locator(".notice")).to_contain_text("Moved to Trash")
    page.goto(f"{BASE}/mail?folder=Trash")
    shot(page, "08-trash")
    row = page.locator("table.messages tr", has=page.locator("a:text-is('Lunch on Friday?')"))
    row.locator("input[name=id]").check()
    page.click("button:has-text('Restore to Inbox')")
    wait_listed(page, "Lunch on Friday?")

    # Compose with an attachment, to a local mailbox and a remote one; the
    # upload shows its progress bar.
    page.keyboard.press("c")
    expect(page.locator("h1")).to_have_text("New message")
    page.fill("input[name=to]", f"Bob <{BOB}>, far@remote.test")
    page.fill("input[name=subject]", "Remote and local")
    page.fill("textarea[name=body]", "Notes attached.")
    notes = os.path.join(tempfile.mkdtemp(), "notes.txt")
    with open(notes, "wb") as f:
        f.write(b"the notes\n" * 2000)
    page.set_input_files("input[type=file]", notes)
    shot(page, "09-compose")
    # The form goes up by XMLHttpRequest, whose upload events move the
    # progress bar (without script it is a plain form post).
    with page.expect_request(lambda r: r.url.endswith("/compose") and r.method == "POST") as upload:
        page.click("button:has-text('Send')")
    assert upload.value.resource_type == "xhr", upload.value.resource_type
    expect(page.locator(".notice")).to_contain_text("Message sent")
    got = wait_for_mail(BOB, BOB_PASSWORD, lambda m: m["Subject"] == "Remote and local", "the composed message")
    names = [part.get_filename() for part in got.iter_attachments()]
    assert names == ["notes.txt"], names
    page.goto(f"{BASE}/mail?folder=Sent")
    expect(page.locator("td.col-subject a:text-is('Remote and local')")).to_be_visible()
    shot(page, "10-sent")

    # Reply (the r key on the message page): the delivered reply carries
    # In-Reply-To and References.
    open_list(page)
    open_message(page, "Lunch on Friday?")
    page.keyboard.press("r")
    expect(page.locator("input[name=subject]")).to_have_value("Re: Lunch on Friday?")
    expect(page.locator("textarea[name=body]")).to_contain_text("> Shall we meet at noon?")
    shot(page, "11-reply")
    page.click("button:has-text('Send')")
    expect(page.locator(".notice")).to_contain_text("Message sent")
    reply = wait_for_mail(BOB, BOB_PASSWORD, lambda m: m["Subject"] == "Re: Lunch on Friday?", "the reply")
    assert reply["In-Reply-To"] == "<lunch-1@w.test>", reply["In-Reply-To"]
    assert "<lunch-1@w.test>" in reply["References"], reply["References"]
    print("reply delivered with In-Reply-To:", reply["In-Reply-To"])

    # a (reply to all) and f (forward) from the message page.
    open_list(page)
    open_message(page, "Quarterly report")
    page.keyboard.press("a")
    expect(page.locator("input[name=subject]")).to_have_value("Re: Quarterly report")
    page.go_back()
    page.keyboard.press("f")
    expect(page.locator("input[name=subject]")).to_have_value("Fwd: Quarterly report")
    expect(page.locator("input[name=keep]")).to_have_count(1)

    # A draft, saved and found in Drafts, then opened again.
    page.goto(f"{BASE}/compose")
    page.fill("input[name=to]", "someone@remote.test")
    page.fill("input[name=subject]", "Half-written thoughts")
    page.fill("textarea[name=body]", "To be continued")
    page.click("button:has-text('Save draft')")
    expect(page.locator(".notice")).to_contain_text("Draft saved")
    expect(page.locator("td.col-subject a:text-is('Half-written thoughts')")).to_be_visible()
    shot(page, "12-drafts")
    page.click("td.col-subject a:text-is('Half-written thoughts')")
    expect(page.locator("input[name=subject]")).to_have_value("Half-written thoughts")
    expect(page.locator("textarea[name=body]")).to_have_value("To be continued")

    # Search, folders, settings: their pages.
    page.goto(f"{BASE}/mail?folder=INBOX&q=mallory&in=all")
    expect(page.locator("h1")).to_contain_text("Search")
    shot(page, "13-search")
    page.goto(f"{BASE}/folders")
    page.fill("input[name=name]", "Projects/2026")
    page.click("button:has-text('Create')")
    expect(page.locator(".notice")).to_contain_text("Folder created")
    shot(page, "14-folders")
    page.goto(f"{BASE}/message/no-such-message")
    expect(page.locator(".error")).to_contain_text("no such message")
    shot(page, "15-not-found")

    # Vacation: on from yesterday to tomorrow; bob writes and gets one reply.
    today = datetime.date.today()
    page.goto(f"{BASE}/settings")
    page.check("input[name=enabled]")
    page.fill("input[name=start]", (today - datetime.timedelta(days=1)).isoformat())
    page.fill("input[name=end]", (today + datetime.timedelta(days=1)).isoformat())
    page.fill("form[action='/settings/vacation'] input[name=subject]", "Away until Monday")
    page.fill("form[action='/settings/vacation'] textarea[name=body]", "I am away; back on Monday.")
    page.click("button:has-text('Save auto-reply')")
    expect(page.locator(".notice")).to_contain_text("Auto-reply saved")
    # A qprocessor trusts what it last read of a mailbox for the directory's
    # 5 s (CACHE_TTL): a change reaches delivery within that time.
    time.sleep(5.5)
    for n in (1, 2):
        smtp_send(BOB, ZOE, (f"From: {BOB}\r\nTo: {ZOE}\r\nSubject: question {n}\r\n"
                             f"Message-ID: <q{n}@w.test>\r\n\r\nAre you there?\r\n").encode())
    # Mailing-list and automatic mail is never answered (RFC 3834).
    smtp_send(CAROL, ZOE, (f"From: {CAROL}\r\nTo: {ZOE}\r\nSubject: list post\r\n"
                           f"List-Id: <team.w.test>\r\n\r\nTo the list\r\n").encode())
    smtp_send(CAROL, ZOE, (f"From: {CAROL}\r\nTo: {ZOE}\r\nSubject: robot\r\n"
                           f"Auto-Submitted: auto-generated\r\n\r\nBeep\r\n").encode())
    smtp_send("", ZOE, (f"From: MAILER-DAEMON@far.test\r\nTo: {ZOE}\r\nSubject: a bounce\r\n\r\nBounce\r\n").encode())
    auto = wait_for_mail(BOB, BOB_PASSWORD, lambda m: m["Subject"] == "Away until Monday", "the vacation reply")
    assert auto["Auto-Submitted"] == "auto-replied", auto["Auto-Submitted"]
    # Whichever of the two was delivered first is answered (the queue
    # delivers them side by side).
    assert auto["In-Reply-To"] in ("<q1@w.test>", "<q2@w.test>"), auto["In-Reply-To"]
    wait_listed(page, "question 2")
    time.sleep(1)
    replies = [m for m in pop3_messages(BOB, BOB_PASSWORD) if m["Subject"] == "Away until Monday"]
    assert len(replies) == 1, f"{len(replies)} vacation replies to one sender"
    wait_listed(page, "a bounce")
    wait_listed(page, "robot")
    time.sleep(1)
    assert pop3_messages(CAROL, CAROL_PASSWORD) == [], "a list or automatic message was answered"
    print("vacation reply received once, Auto-Submitted:", auto["Auto-Submitted"])

    # Password: the current one is needed; then the old one fails POP3.
    page.goto(f"{BASE}/settings")
    page.fill("input[name=current]", ZOE_PASSWORD)
    page.fill("input[name=new]", NEW_PASSWORD)
    page.fill("input[name=confirm]", NEW_PASSWORD)
    page.click("button:has-text('Change password')")
    expect(page.locator(".notice")).to_contain_text("Password changed")
    shot(page, "16-settings")
    assert not pop3_login(ZOE, ZOE_PASSWORD), "the old password still works"
    assert pop3_login(ZOE, NEW_PASSWORD), "the new password fails"

    # A phone: the same pages, laid out for a narrow screen.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    mobile.goto(f"{BASE}/login")
    mobile.fill("input[name=address]", ZOE)
    mobile.fill("input[name=password]", NEW_PASSWORD)
    mobile.click("button:has-text('Sign in')")
    expect(mobile.locator("h1")).to_have_text("INBOX")
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the inbox is {width} px wide on a 390 px phone"
    shot(mobile, "17-phone-inbox")
    mobile.click("table.messages td.col-subject a:text-is('Quarterly report')")
    expect(mobile.locator(".reader h1")).to_contain_text("Quarterly report")
    shot(mobile, "18-phone-message")
    mobile.goto(f"{BASE}/compose")
    shot(mobile, "19-phone-compose")
    phone.close()

    # Without JavaScript: sign in, read, move through folders, send.
    plain = browser.new_context(java_script_enabled=False)
    nojs = plain.new_page()
    nojs.goto(f"{BASE}/login")
    nojs.fill("input[name=address]", ZOE)
    nojs.fill("input[name=password]", NEW_PASSWORD)
    nojs.click("button:has-text('Sign in')")
    expect(nojs.locator("h1")).to_have_text("INBOX")
    nojs.click("nav.side a:has-text('Sent')")
    expect(nojs.locator("h1")).to_have_text("Sent")
    nojs.click("nav.side a:has-text('INBOX')")
    nojs.click("table.messages td.col-subject a:text-is('Quarterly report')")
    expect(nojs.locator(".plain")).to_contain_text("The report is attached")
    nojs.click("a:has-text('Reply')")
    nojs.fill("textarea[name=body]", "Thanks, read without script.")
    nojs.click("button:has-text('Send')")
    expect(nojs.locator(".notice")).to_contain_text("Message sent")
    plain.close()

    page.click("button:has-text('Sign out')")
    expect(page.locator("h1")).to_have_text("Sign in")
    assert dialogs == [], dialogs
    csp_errors = [e for e in errors if "Content Security Policy" in e and "frame" not in e]
    assert not csp_errors, csp_errors
    browser.close()

print("webmail e2e: ok")
