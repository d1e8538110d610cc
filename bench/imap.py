"""IMAP: imapd against Dovecot, same clients, same messages, same run.

usage: python3 bench/imap.py [MESSAGES]   (default 5000)

MESSAGES messages of 4 KB in INBOX, on Dovecot 2.3 (Maildir, passwd-file)
and on imapd (delivered through smtp-engine and a qprocessor). Measured,
over implicit TLS: isync (mbsync) pulling them all into an empty Maildir,
one FETCH 1:* (ENVELOPE), and one header SEARCH. Each server is opened
once first (SELECT), so Dovecot builds its index before the clock starts.
Run as root.
"""
import imaplib
import os
import shutil
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time

from lib import (ROOT, Mismo, Store, cpu_seconds, machine, peak_rss_mb, save_result, table,
                 tree_cpu, tree_rss_mb, wait_until)
from pop3 import dovecot, message

MESSAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
PASSWORD = "bench password"
USER = "u@bench.test"


def client(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=120)
    c.login(USER, PASSWORD)
    return c


def measure(port, cert, cpu):
    """Seconds and server CPU seconds for each of the three workloads."""
    c = client(port)
    typ, data = c.select("INBOX")
    assert int(data[0]) == MESSAGES, data
    c.logout()
    out = {}
    work = tempfile.mkdtemp(prefix="mismo-bench-mbsync-")
    try:
        rc = f"{work}/mbsyncrc"
        with open(rc, "w") as f:
            f.write(f"IMAPAccount a\nHost localhost\nPort {port}\nUser {USER}\nPass \"{PASSWORD}\"\n"
                    f"SSLType IMAPS\nCertificateFile {cert}\nAuthMechs PLAIN\n\n"
                    f"IMAPStore r\nAccount a\n\nMaildirStore l\nPath {work}/mail/\nInbox {work}/mail/INBOX\n\n"
                    "Channel c\nFar :r:\nNear :l:\nPatterns INBOX\nCreate Near\nSync Pull\nSyncState *\n")
        os.makedirs(f"{work}/mail")
        c0, t0 = cpu(), time.time()
        subprocess.run(["mbsync", "-c", rc, "-q", "c"], check=True)
        out["mbsync"] = (time.time() - t0, cpu() - c0)
        got = sum(len(os.listdir(f"{work}/mail/INBOX/{d}")) for d in ("cur", "new"))
        assert got == MESSAGES, got
    finally:
        shutil.rmtree(work, ignore_errors=True)
    c = client(port)
    c.select("INBOX", readonly=True)
    c0, t0 = cpu(), time.time()
    typ, data = c.fetch("1:*", "(ENVELOPE)")
    out["envelopes"] = (time.time() - t0, cpu() - c0)
    assert typ == "OK" and len(data) == MESSAGES, (typ, len(data))
    c0, t0 = cpu(), time.time()
    typ, data = c.search(None, "HEADER", "Subject", f'"bench {MESSAGES - 7}"')
    out["search"] = (time.time() - t0, cpu() - c0)
    assert len(data[0].split()) == 1, data
    c.logout()
    return out


def mismo():
    store = Store()
    store.ctl("domain", "add", "bench.test")
    store.ctl("mailbox", "add", USER, "--password-stdin", stdin=PASSWORD + "\n")
    try:
        return _fill(store)
    except BaseException:
        store.stop()
        raise


def _fill(store):
    m = Mismo(store, QUEUE_CYCLE_PERIOD="1")
    m.start("smtp-engine")
    m.start("qprocessor")
    s = smtplib.SMTP("127.0.0.1", m.port("SMTP_LISTEN"))
    for i in range(MESSAGES):
        s.sendmail("a@x.test", [USER], message(i))
    s.quit()

    def delivered():
        out = subprocess.run([f"{ROOT}/target/release/mismoctl", "mailbox", "usage", USER], env=store.env,
                             capture_output=True, text=True).stdout
        return out.split(": ")[1].startswith(f"{MESSAGES} message")
    wait_until(delivered, 300, "delivery")
    m.stop("smtp-engine")
    m.stop("qprocessor")
    proc = m.start("imapd")
    return store, m, proc, m.port("IMAPS_LISTEN")


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "--workspace", "--bins"], cwd=ROOT, check=True)
    with dovecot("imap", MESSAGES) as (dproc, dport, ddir):
        d = measure(dport, f"{ddir}/cert.pem", lambda: tree_cpu(dproc.pid))
        d_rss = tree_rss_mb(dproc.pid)
    store, m, proc, mport = mismo()
    try:
        cert = f"{store.dir}/tls/self-signed-cert.pem"
        s0 = cpu_seconds(store.proc.pid)
        ours = measure(mport, cert, lambda: cpu_seconds(proc.pid))
        s_cpu = cpu_seconds(store.proc.pid) - s0
        m_rss, s_rss = peak_rss_mb(proc.pid), peak_rss_mb(store.proc.pid)
    finally:
        store.stop()
    labels = {"mbsync": f"mbsync of {MESSAGES} x 4 KB from empty", "envelopes": "FETCH 1:* (ENVELOPE)",
              "search": "SEARCH HEADER Subject"}
    print(f"\nIMAP over TLS, {MESSAGES} messages of 4 KB in INBOX, on {machine()}\n")
    rows = []
    result = {"machine": machine(), "messages": MESSAGES,
              "rss_mb": {"dovecot": d_rss, "imapd": m_rss, "store": s_rss}, "store_cpu_s": s_cpu}
    for name, label in labels.items():
        d_sec, d_cpu = d[name]
        m_sec, m_cpu = ours[name]
        rows.append([label, f"{MESSAGES / d_sec:.0f}", f"{MESSAGES / m_sec:.0f}", f"{d_sec / m_sec:.2f}x",
                     f"{d_cpu * 1000 / MESSAGES:.3f}", f"{m_cpu * 1000 / MESSAGES:.3f}"])
        result[name] = {"dovecot": {"msg_s": MESSAGES / d_sec, "cpu_ms": d_cpu * 1000 / MESSAGES},
                        "mismo": {"msg_s": MESSAGES / m_sec, "cpu_ms": m_cpu * 1000 / MESSAGES},
                        "ratio": d_sec / m_sec}
    table(["workload", "Dovecot msg/s", "imapd msg/s", "imapd / Dovecot", "Dovecot CPU ms/msg",
           "imapd CPU ms/msg"], rows)
    print(f"\npeak RSS: Dovecot {d_rss:.0f} MB (all processes), imapd {m_rss:.0f} MB, store {s_rss:.0f} MB; "
          f"store CPU over the three workloads {s_cpu * 1000 / MESSAGES:.3f} ms/msg")
    save_result("imap", result)


if __name__ == "__main__":
    main()
