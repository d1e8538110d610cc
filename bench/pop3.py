"""POP3 download: pop3d against Dovecot, same client, same messages, same run.

usage: python3 bench/pop3.py [MESSAGES]   (default 1000)

MESSAGES messages of 4 KB are fetched with Python's poplib (RETR each, one
session, implicit TLS) from Dovecot 2.3 (maildir, passwd-file) and from pop3d
(messages delivered through smtp-engine and a qprocessor). Run as root.
"""
import contextlib
import os
import poplib
import pwd
import shutil
import ssl
import subprocess
import sys
import tempfile
import time

from lib import (ROOT, Store, cpu_seconds, free_port, machine, peak_rss_mb, save_result, table, tree_cpu,
                 tree_rss_mb, wait_port)

MESSAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
BIN = os.path.join(ROOT, "target/release")
PASSWORD = "bench password"
BODY = ("x" * 75 + "\r\n") * 53


def message(i):
    return (f"From: a@x.test\r\nTo: u@bench.test\r\nSubject: bench {i}\r\n\r\n{BODY}").encode()


def fetch(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    start = time.time()
    p = poplib.POP3_SSL("127.0.0.1", port, context=ctx, timeout=60)
    p.user("u@bench.test")
    p.pass_(PASSWORD)
    count, _ = p.stat()
    assert count == MESSAGES, count
    for i in range(1, count + 1):
        p.retr(i)
    p.quit()
    return time.time() - start


def dovecot_config(d, protocol, messages, password):
    """Dovecot 2.3 serving `protocol` (pop3 or imap) over implicit TLS from a
    Maildir of `messages` bench messages in folder `d`; returns its port."""
    # Dovecot's auth and mail processes run as other users.
    os.chmod(d, 0o755)
    nobody = pwd.getpwnam("nobody")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", f"{d}/key.pem", "-out", f"{d}/cert.pem", "-days", "1"], check=True, capture_output=True)
    maildir = f"{d}/home/u@bench.test/Maildir"
    for sub in ("cur", "new", "tmp"):
        os.makedirs(f"{maildir}/{sub}")
    for i in range(messages):
        with open(f"{maildir}/cur/{1700000000 + i}.M{i}P1.bench:2,S", "wb") as f:
            f.write(message(i).replace(b"\r\n", b"\n"))
    subprocess.run(["chown", "-R", f"{nobody.pw_uid}:{nobody.pw_gid}", f"{d}/home"], check=True)
    with open(f"{d}/passwd", "w") as f:
        f.write(f"u@bench.test:{{PLAIN}}{password}::::::\n")
    port = free_port()
    with open(f"{d}/dovecot.conf", "w") as f:
        f.write(f"""
protocols = {protocol}
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
auth_mechanisms = plain
disable_plaintext_auth = no
mail_location = maildir:{d}/home/%u/Maildir
first_valid_uid = {nobody.pw_uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={nobody.pw_uid} gid={nobody.pw_gid} home={d}/home/%u
}}
service {protocol}-login {{
  inet_listener {protocol} {{
    port = 0
  }}
  inet_listener {protocol}s {{
    port = {port}
    ssl = yes
  }}
}}
pop3_uidl_format = %08Xu%08Xv
""")
    os.chmod(f"{d}/passwd", 0o644)
    return port


@contextlib.contextmanager
def dovecot(protocol, messages, adjust=None):
    """Dovecot serving `protocol` over a Maildir of `messages`, as (process,
    port, folder); its log is shown if the block fails, and it is stopped
    and removed after. `adjust(folder, port)`, if given, changes the set-up
    before Dovecot starts and returns the port to use."""
    d = tempfile.mkdtemp(prefix="mismo-bench-dovecot-")
    port = dovecot_config(d, protocol, messages, PASSWORD)
    if adjust:
        port = adjust(d, port)
    proc = subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", f"{d}/dovecot.conf"])
    try:
        wait_port(port)
        yield proc, port, d
    except Exception:
        print(open(f"{d}/dovecot.log").read()[-3000:])
        raise
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(d, ignore_errors=True)


def mismo():
    store = Store()
    store.ctl("domain", "add", "bench.test")
    store.ctl("mailbox", "add", "u@bench.test", "--password-stdin", stdin=PASSWORD + "\n")
    ports = {k: free_port() for k in ("SMTP_LISTEN", "SMTP_SUBMISSION_LISTEN", "SMTPS_LISTEN",
                                      "SMTP_STATUS_LISTEN", "POP3_LISTEN", "POP3S_LISTEN")}
    env = dict(store.env, MISMO_HOSTNAME="mx.bench.test", QUEUE_CYCLE_PERIOD="1",
               **{k: f"127.0.0.1:{p}" for k, p in ports.items()})
    engine = subprocess.Popen([f"{BIN}/smtp-engine"], env=env)
    q = subprocess.Popen([f"{BIN}/qprocessor"], env=env)
    wait_port(ports["SMTP_LISTEN"])
    import smtplib
    s = smtplib.SMTP("127.0.0.1", ports["SMTP_LISTEN"])
    for i in range(MESSAGES):
        s.sendmail("a@x.test", ["u@bench.test"], message(i))
    s.quit()
    while True:
        out = subprocess.run([f"{BIN}/mismoctl", "mailbox", "usage", "u@bench.test"], env=store.env,
                             capture_output=True, text=True).stdout
        if out.split(": ")[1].startswith(f"{MESSAGES} message"):
            break
        time.sleep(0.2)
    engine.terminate()
    q.terminate()
    engine.wait()
    q.wait()
    pop = subprocess.Popen([f"{BIN}/pop3d"], env=env)
    wait_port(ports["POP3S_LISTEN"])
    return store, pop, ports["POP3S_LISTEN"]


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "--workspace", "--bins"], cwd=ROOT, check=True)
    with dovecot("pop3", MESSAGES) as (dproc, dport, _):
        c0 = tree_cpu(dproc.pid)
        d_sec = fetch(dport)
        time.sleep(0.5)
        d_cpu = tree_cpu(dproc.pid) - c0
        d_rss = tree_rss_mb(dproc.pid)
    store, pop, mport = mismo()
    try:
        c0, s0 = cpu_seconds(pop.pid), cpu_seconds(store.proc.pid)
        m_sec = fetch(mport)
        m_cpu, s_cpu = cpu_seconds(pop.pid) - c0, cpu_seconds(store.proc.pid) - s0
        m_rss, s_rss = peak_rss_mb(pop.pid), peak_rss_mb(store.proc.pid)
    finally:
        pop.terminate()
        pop.wait()
        store.stop()
    print(f"\nPOP3: RETR of {MESSAGES} messages of 4 KB in one poplib session over TLS, on {machine()}\n")
    table(["server", "msg/s", "server CPU ms/msg", "store CPU ms/msg", "peak RSS MB", "vs Dovecot"], [
        ["Dovecot 2.3 (maildir)", f"{MESSAGES / d_sec:.0f}", f"{d_cpu * 1000 / MESSAGES:.2f}", "-",
         f"{d_rss:.0f} (all processes)", "1.00"],
        ["Mismo pop3d", f"{MESSAGES / m_sec:.0f}", f"{m_cpu * 1000 / MESSAGES:.2f}", f"{s_cpu * 1000 / MESSAGES:.2f}",
         f"pop3d {m_rss:.0f}, store {s_rss:.0f}", f"{d_sec / m_sec:.2f}"],
    ])
    save_result("pop3", {
        "dovecot": {"msg_s": MESSAGES / d_sec, "cpu_ms": d_cpu * 1000 / MESSAGES, "rss_mb": d_rss},
        "mismo": {"msg_s": MESSAGES / m_sec, "cpu_ms": m_cpu * 1000 / MESSAGES, "store_cpu_ms": s_cpu * 1000 / MESSAGES,
                  "rss_mb": {"pop3d": m_rss, "store": s_rss}},
        "ratio": d_sec / m_sec, "machine": machine()})


if __name__ == "__main__":
    main()
