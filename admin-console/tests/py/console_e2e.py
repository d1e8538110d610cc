"""The admin console end to end in headless Chromium (Debian's chromium,
driven by Playwright), against a running cluster: sign in, add a domain and
verify it against BIND9 once its TXT record is published (nsupdate), add a
mailbox, disable it (POP3 then refuses it), reset its password, regenerate
its OpenPGP key, read its disk usage after mail reached it over SMTP, add a
catch-all that then takes mail, and retry and delete a queued message. A screenshot of each page goes to SHOTS.

usage: console_e2e.py CONSOLE_URL SMTP_PORT POP3S_PORT DNS_PORT SHOTS QUEUED_ID
"""

import poplib
import smtplib
import ssl
import subprocess
import sys
import time
import urllib.request

from playwright.sync_api import expect, sync_playwright

BASE, SMTP_PORT, POP3S_PORT, DNS_PORT, SHOTS, QUEUED = sys.argv[1:7]
ROOT_PASSWORD = "root's long password"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pop3_login(password):
    """True if POP3 over TLS takes zoe's password."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    p = poplib.POP3_SSL("127.0.0.1", int(POP3S_PORT), context=ctx, timeout=20)
    try:
        p.user("zoe@e2e.test")
        p.pass_(password)
        p.quit()
        return True
    except poplib.error_proto:
        return False


def publish_txt(zone, record):
    """What an operator does at their DNS host: add the TXT record."""
    script = f"server 127.0.0.1 {DNS_PORT}\nzone {zone}\nupdate add {zone}. 5 TXT \"{record}\"\nsend\n"
    subprocess.run(["nsupdate"], input=script.encode(), check=True, timeout=30)


def shot(page, name):
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # Sign in.
    page.goto(f"{BASE}/login")
    shot(page, "01-login")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", ROOT_PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page.locator("h1")).to_have_text("Dashboard")
    shot(page, "02-dashboard")
    assert page.evaluate("typeof window.htmx") == "object", "htmx is served and runs"

    # Add a domain, publish its record, verify it.
    page.click("nav >> text=Domains")
    page.fill("input[name=name]", "e2e.test")
    page.click("button:has-text('Add')")
    expect(page.locator("h1")).to_contain_text("e2e.test")
    record = page.locator("pre.copy").first.inner_text().split('"')[1]
    assert record.startswith("mismo-verification="), record
    page.click("button:has-text('Check DNS now')")
    expect(page.locator(".pill.failed")).to_be_visible()
    publish_txt("e2e.test", record)
    page.click("button:has-text('Check DNS now')")
    expect(page.locator(".pill.verified").first).to_be_visible()
    shot(page, "03-domain")

    # Add a mailbox; disabled, POP3 refuses it.
    page.click("nav >> text=Mailboxes")
    page.fill("input[name=address]", "zoe@e2e.test")
    page.fill("input[name=password]", "zoe's first password")
    page.click("button:has-text('Add')")
    expect(page.locator(".notice")).to_contain_text("added")
    assert pop3_login("zoe's first password")
    page.click("button:has-text('Disable')")
    expect(page.locator("h1 .pill")).to_have_text("disabled")
    assert not pop3_login("zoe's first password"), "a disabled mailbox signed in"
    page.click("button:has-text('Enable')")
    expect(page.locator("h1 .pill")).to_have_text("enabled")

    # Reset the password: the old one fails, the new one works.
    page.fill("form[action$='/password'] input[name=password]", "zoe's second password")
    page.click("button:has-text('Reset password')")
    expect(page.locator(".notice")).to_contain_text("Password changed")
    assert not pop3_login("zoe's first password")
    assert pop3_login("zoe's second password")

    # Regenerate the OpenPGP key; its public half downloads as armour.
    page.click("button:has-text('Regenerate key')")
    expect(page.locator(".fingerprint")).to_be_visible()
    fingerprint = page.locator(".fingerprint").inner_text().replace(" ", "")
    assert len(fingerprint) >= 40, fingerprint
    with page.expect_download() as download:
        page.click("a:has-text('Public key')")
    armour = open(download.value.path()).read()
    assert "BEGIN PGP PUBLIC KEY BLOCK" in armour, armour[:200]

    # Mail over SMTP, then the usage the console shows.
    with smtplib.SMTP("127.0.0.1", int(SMTP_PORT), timeout=30) as smtp:
        smtp.sendmail("far@far.test", ["zoe@e2e.test"],
                      b"Subject: usage\r\n\r\n" + (b"x" * 98 + b"\r\n") * 50)
    for _ in range(100):
        page.goto(f"{BASE}/mailboxes/zoe@e2e.test")
        if "1 messages" in page.content():
            break
        time.sleep(0.3)
    expect(page.locator("text=1 messages")).to_be_visible()
    shot(page, "04-mailbox")
    page.goto(f"{BASE}/mailboxes")
    shot(page, "05-mailboxes")

    # Searching updates the list in place (htmx): the page is not reloaded.
    page.evaluate("window.keptAcrossUpdates = true")
    page.fill("input[name=q]", "nobody")
    expect(page.locator("#mailbox-list")).to_contain_text("No mailboxes starting with")
    page.fill("input[name=q]", "zo")
    expect(page.locator("#mailbox-list a[href='/mailboxes/zoe@e2e.test']")).to_be_visible()
    assert page.evaluate("window.keptAcrossUpdates === true"), "the page was reloaded"
    assert "q=zo" in page.url, page.url

    # A catch-all: mail to an address nobody has reaches zoe.
    page.click("nav >> text=Aliases")
    page.fill("input[name=source]", "@e2e.test")
    page.fill("input[name=targets]", "zoe@e2e.test")
    page.click("button:has-text('Add')")
    expect(page.locator("h1 .pill")).to_have_text("catch-all")
    shot(page, "09-alias")
    with smtplib.SMTP("127.0.0.1", int(SMTP_PORT), timeout=30) as smtp:
        smtp.sendmail("far@far.test", ["nobody@e2e.test"], b"Subject: catch-all\r\n\r\nhi\r\n")
    for _ in range(100):
        page.goto(f"{BASE}/mailboxes?domain=e2e.test")
        if page.locator("td[data-label=Messages]").first.inner_text() == "2":
            break
        time.sleep(0.3)
    expect(page.locator("td[data-label=Messages]").first).to_have_text("2")
    page.goto(f"{BASE}/aliases")
    shot(page, "10-aliases")
    page.goto(f"{BASE}/domains/e2e.test")
    expect(page.locator("text=2 messages")).to_be_visible()

    # A queued message: find it, retry it, delete it.
    page.click("nav >> text=Queue")
    page.select_option("select[name=state]", "ENQUEUED")
    page.fill("input[name=domain]", "far.test")
    page.click("button:has-text('Filter')")
    page.click(f"a[href='/queue/{QUEUED}']")
    expect(page.locator("h1")).to_contain_text("stuck")
    # The qprocessor may hold it right now (its first attempt, slow on a
    # busy machine), and a claimed message offers no retry: wait until it
    # is back in the queue.
    retry = page.locator("button:has-text('Retry now')")
    for _ in range(100):
        if retry.count():
            break
        time.sleep(0.3)
        page.reload()
    shot(page, "06-queued")
    retry.click()
    expect(page.locator("h1")).to_contain_text("stuck")
    # The qprocessor takes it up at once; while it holds the message the
    # console refuses to delete it (409), as it tells the operator.
    for _ in range(20):
        page.goto(f"{BASE}/queue/{QUEUED}")
        page.check("input[name=confirm]")
        page.click("button:has-text('Delete')")
        # The answer replaces the page in place: wait for one or the other.
        listed = page.locator("h1:text-is('Queue')")
        expect(listed.or_(page.locator(".error"))).to_be_visible()
        if listed.count() == 1:
            break
        expect(page.locator(".error")).to_contain_text("delivering it")
        time.sleep(0.5)
    expect(page.locator("h1")).to_have_text("Queue")
    assert QUEUED not in page.content()

    page.click("nav >> text=Audit log")
    expect(page.locator("h1")).to_have_text("Audit log")
    assert page.locator("code:text-is('mailbox.pgp')").count() == 1, "one key made"
    for action in ["domain.add", "domain.verify", "mailbox.add", "mailbox.disable",
                   "mailbox.password", "mailbox.pgp", "queue.retry", "queue.delete"]:
        expect(page.locator(f"code:text-is('{action}')").first).to_be_visible()
    shot(page, "07-audit")

    # The second factor's set-up: a QR code to scan, drawn without script.
    page.click("header >> text=root")
    expect(page.locator("h1")).to_have_text("Your account")
    page.click("button:has-text('Set up')")
    expect(page.locator(".qr svg")).to_be_visible()
    shot(page, "11-account")

    # Without JavaScript every page still works: sign in, find a mailbox,
    # disable and enable it with plain forms.
    plain = browser.new_context(java_script_enabled=False).new_page()
    plain.goto(f"{BASE}/login")
    plain.fill("input[name=username]", "root")
    plain.fill("input[name=password]", ROOT_PASSWORD)
    plain.click("button:has-text('Sign in')")
    expect(plain.locator("h1")).to_have_text("Dashboard")
    plain.goto(f"{BASE}/mailboxes")
    plain.fill("input[name=q]", "zoe")
    plain.click("button:has-text('Search')")
    plain.click("a[href='/mailboxes/zoe@e2e.test']")
    plain.click("button:has-text('Disable')")
    expect(plain.locator("h1 .pill")).to_have_text("disabled")
    plain.click("button:has-text('Enable')")
    expect(plain.locator("h1 .pill")).to_have_text("enabled")
    plain.context.close()

    # On a phone: the same pages, navigation wrapped, no sideways scrolling.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{BASE}/mailboxes")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    shot(phone, "08-phone-mailboxes")

    # No script ran, so none could break; the policy refused nothing.
    assert not errors, errors
    browser.close()
print("console e2e: ok")
