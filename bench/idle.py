"""IMAP sessions in IDLE with nothing arriving: imapd against Dovecot, same
clients, same mailboxes, same run.

usage: python3 bench/idle.py [SESSIONS] [MAILBOXES] [MESSAGES] [SECONDS]
       (defaults 1000, 10, 5000, 60)

MAILBOXES mailboxes of MESSAGES messages each, SESSIONS sessions spread
evenly over them, each logged in over the plain port, INBOX selected, in
IDLE. Measured: the CPU each server (Dovecot's processes; imapd and the
store) spends over SECONDS with nothing arriving, and then, after one
delivery to the first mailbox, how long until every session of that
mailbox has been told (`* n EXISTS`). Run as root.
"""
import os
import resource
import selectors
import shutil
import smtplib
import socket
import subprocess
import sys
import time

from lib import (ROOT, Mismo, Store, cpu_seconds, free_port, machine, save_result, table,
                 tree_cpu, wait_until)
from pop3 import PASSWORD, dovecot, message

SESSIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
MAILBOXES = int(sys.argv[2]) if len(sys.argv) > 2 else 10
MESSAGES = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
SECONDS = int(sys.argv[4]) if len(sys.argv) > 4 else 60


def user(n):
    return f"u{n}@bench.test" if n else "u@bench.test"


class Idler:
    """One IMAP session driven without threads: logged in, INBOX
    selected, in IDLE; what the server sent since is kept."""

    def __init__(self, port, login):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")
        self.file.readline()
        for tag, command in (("a", f'LOGIN {login} "{PASSWORD}"'), ("b", "SELECT INBOX")):
            self.sock.sendall(f"{tag} {command}\r\n".encode())
            while True:
                line = self.file.readline()
                if line.startswith(tag.encode() + b" "):
                    assert b" OK" in line, line
                    break
        self.sock.sendall(b"c IDLE\r\n")
        assert self.file.readline().startswith(b"+"), "idle"
        self.sock.setblocking(False)
        self.seen = b""

    def read(self):
        try:
            self.seen += self.sock.recv(65536)
        except BlockingIOError:
            pass


def idle_sessions(port):
    """SESSIONS sessions in IDLE, spread over the mailboxes."""
    return [(n % MAILBOXES, Idler(port, user(n % MAILBOXES))) for n in range(SESSIONS)]


def measure(port, cpu, deliver):
    """CPU over SECONDS idle (each process's, by name), and seconds until
    the first mailbox's sessions all see one delivery."""
    sessions = idle_sessions(port)
    time.sleep(2)
    c0 = cpu()
    time.sleep(SECONDS)
    c1 = cpu()
    idle_cpu = {name: c1[name] - c0[name] for name in c0}
    watchers = [s for mailbox, s in sessions if mailbox == 0]
    sel = selectors.DefaultSelector()
    for s in watchers:
        s.read()
        s.seen = b""
        sel.register(s.sock, selectors.EVENT_READ, s)
    t0 = time.time()
    deliver()
    told = set()
    while len(told) < len(watchers) and time.time() - t0 < 60:
        for key, _ in sel.select(timeout=1):
            s = key.data
            s.read()
            if b"EXISTS" in s.seen:
                told.add(id(s))
    seen_after = time.time() - t0 if len(told) == len(watchers) else float("inf")
    for _, s in sessions:
        s.sock.close()
    return idle_cpu, seen_after


def more_mailboxes(d, _port):
    """The same messages for every other mailbox, room for the sessions, and
    a plain port, as imapd's; returns that port."""
    first = f"{d}/home/u@bench.test/Maildir"
    passwd = open(f"{d}/passwd").read()
    for n in range(1, MAILBOXES):
        shutil.copytree(first, f"{d}/home/{user(n)}/Maildir", symlinks=True)
        passwd += passwd.splitlines()[0].replace("u@bench.test", user(n)) + "\n"
    with open(f"{d}/passwd", "w") as f:
        f.write(passwd)
    subprocess.run(["chown", "-R", "--reference", first, f"{d}/home"], check=True)
    plain = free_port()
    with open(f"{d}/dovecot.conf") as f:
        conf = f.read().replace("port = 0", f"port = {plain}")
    conf += ("default_client_limit = 10000\nservice imap {\n  process_limit = 5000\n}\n"
             "protocol imap {\n  mail_max_userip_connections = 10000\n}\n")
    with open(f"{d}/dovecot.conf", "w") as f:
        f.write(conf)
    return plain


INOTIFY = "/proc/sys/fs/inotify/max_user_instances"


def inotify_instances(n):
    """Sets how many inotify instances one user may have; returns the old
    value. Dovecot's IDLE watches the Maildir with inotify, one instance per
    imap process, all run as one user: under Debian's default of 128 the
    rest fall back to looking every 30 s, which is not the Dovecot users
    run. None where it cannot be set."""
    try:
        with open(INOTIFY) as f:
            old = int(f.read())
        with open(INOTIFY, "w") as f:
            f.write(str(n))
        return old
    except OSError:
        print(f"could not set {INOTIFY}: Dovecot's sessions past 128 look only every 30 s")
        return None


def with_dovecot():
    old = inotify_instances(max(SESSIONS * 2, 128))
    try:
        return dovecot_idle()
    finally:
        if old is not None:
            inotify_instances(old)


def dovecot_idle():
    with dovecot("imap", MESSAGES, adjust=more_mailboxes) as (proc, port, d):
        def deliver():
            name = f"{d}/home/u@bench.test/Maildir/new/{int(time.time())}.new.bench"
            with open(name + ".tmp", "wb") as f:
                f.write(message(MESSAGES).replace(b"\r\n", b"\n"))
            os.rename(name + ".tmp", name)
        return measure(port, lambda: {"dovecot": tree_cpu(proc.pid)}, deliver)


def with_mismo():
    store = Store()
    try:
        store.ctl("domain", "add", "bench.test")
        for n in range(MAILBOXES):
            store.ctl("mailbox", "add", user(n), "--password-stdin", stdin=PASSWORD + "\n")
        m = Mismo(store, QUEUE_CYCLE_PERIOD="1", IMAP_MAX_CLIENTS_PER_HOST=str(SESSIONS + 100),
                  IMAP_MAX_CLIENTS=str(SESSIONS + 100))
        m.start("smtp-engine")
        m.start("qprocessor")
        everyone = [user(n) for n in range(MAILBOXES)]
        s = smtplib.SMTP("127.0.0.1", m.port("SMTP_LISTEN"))
        for i in range(MESSAGES):
            s.sendmail("a@x.test", everyone, message(i))
        s.quit()

        def delivered():
            out = subprocess.run([f"{ROOT}/target/release/mismoctl", "mailbox", "usage", user(MAILBOXES - 1)],
                                 env=store.env, capture_output=True, text=True).stdout
            return out.split(": ")[1].startswith(f"{MESSAGES} message")
        wait_until(delivered, 1800, "delivery")
        imapd = m.start("imapd")
        port = m.port("IMAP_LISTEN")

        def deliver():
            s = smtplib.SMTP("127.0.0.1", m.port("SMTP_LISTEN"))
            s.sendmail("a@x.test", [user(0)], message(MESSAGES))
            s.quit()
        # The store's own CPU while nobody is connected, for comparison.
        s0 = cpu_seconds(store.proc.pid)
        time.sleep(SECONDS)
        alone = cpu_seconds(store.proc.pid) - s0
        cpu = lambda: {"imapd": cpu_seconds(imapd.pid), "store": cpu_seconds(store.proc.pid)}  # noqa: E731
        idle_cpu, seen = measure(port, cpu, deliver)
        return dict(idle_cpu, store_alone=alone), seen
    finally:
        store.stop()


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * SESSIONS + 1024)), hard))
    subprocess.run(["cargo", "build", "--release", "-q", "--workspace", "--bins"], cwd=ROOT, check=True)
    d, d_seen = with_dovecot()
    m, m_seen = with_mismo()
    d_cpu, m_cpu = d["dovecot"], m["imapd"] + m["store"]
    print(f"\n{SESSIONS} IMAP sessions in IDLE over {MAILBOXES} mailboxes of {MESSAGES} messages, "
          f"{SECONDS} s with nothing arriving, on {machine()}\n")
    ratio = f"{m_cpu / d_cpu:.2f}x" if d_cpu > 0 else "-"
    table(["server", "CPU over the idle time", "CPU per session per minute", "one delivery seen by all",
           "CPU vs Dovecot"],
          [["Dovecot 2.3", f"{d_cpu:.2f} s", f"{d_cpu * 60000 / SECONDS / SESSIONS:.3f} ms", f"{d_seen:.2f} s", "1.00x"],
           ["imapd + store", f"{m_cpu:.2f} s", f"{m_cpu * 60000 / SECONDS / SESSIONS:.3f} ms", f"{m_seen:.2f} s",
            ratio]])
    print(f"\nof imapd + store: imapd {m['imapd']:.2f} s, store {m['store']:.2f} s; the store alone, "
          f"with no session open, spent {m['store_alone']:.2f} s over the same {SECONDS} s")
    save_result("idle", {"machine": machine(), "sessions": SESSIONS, "mailboxes": MAILBOXES,
                         "messages": MESSAGES, "seconds": SECONDS,
                         "dovecot": {"cpu_s": d_cpu, "seen_s": d_seen},
                         "mismo": {"cpu_s": m_cpu, "seen_s": m_seen, "parts": m}})


if __name__ == "__main__":
    main()
