"""What a hostile client can still make imapd and pop3d spend: memory per
connection it holds open, and CPU per command it sends.

usage: python3 bench/hostile.py [CONNECTIONS]   (default 500)

Measured on the release binaries, over the plain ports an attacker would
use, against one store:
- CONNECTIONS connections that never log in, each holding the largest
  literal imapd accepts before login half sent (the attack of hardening
  issue 1), and as many idle POP3 connections: resident memory they add;
- failed LOGINs from one address until it is refused: server CPU each;
- with one mailbox's password: SEARCH with the most BODY keys a command may
  carry over a 4 MiB message, which is the costliest SEARCH there is: CPU
  per command, and what it does to another user's login meanwhile.
Run after `cargo build --release --workspace --bins`.
"""
import imaplib
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time

from lib import Mismo, Store, cpu_seconds, machine, save_result, table, wait_until, ROOT

CONNECTIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 500
USER, PASSWORD = "u@bench.test", "bench password"
OTHER = "v@bench.test"
# imapd's bounds (imapd/src/lib.rs, imapd/src/search.rs).
PRE_LOGIN_LITERAL = 8192
CONTENT_KEYS = 32


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def hold(port, greeting, opening, count):
    """`count` connections to `port`, each greeted, then sent `opening`."""
    held = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.recv(512).startswith(greeting) or sys.exit(f"no greeting on {port}")
        if opening:
            s.sendall(opening)
        held.append(s)
    return held


def memory_per_connection(proc, port, greeting, opening, fill):
    """Resident KiB each held connection adds to `proc`."""
    time.sleep(0.5)
    before = rss_kb(proc.pid)
    held = hold(port, greeting, opening, CONNECTIONS)
    for s in held:
        if fill:
            s.recv(256)
            s.sendall(fill)
    time.sleep(2)
    after = rss_kb(proc.pid)
    for s in held:
        s.close()
    return (after - before) / CONNECTIONS


def failed_login_cpu(proc, port):
    """Server CPU ms per wrong password, from one address (127.0.0.9, so the
    other measures keep theirs) until it is refused."""
    c0 = cpu_seconds(proc.pid)
    tries = 0
    while tries <= 20:
        s = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.9", 0))
        f = s.makefile("rb")
        f.readline()
        s.sendall(f'a LOGIN {USER} "wrong"\r\n'.encode())
        reply = f.readline()
        s.close()
        tries += 1
        if b"UNAVAILABLE" in reply:
            break
    return (cpu_seconds(proc.pid) - c0) * 1000 / tries, tries


def big_message():
    line = b"the quick brown fox jumps over the lazy dog, again and again and again\r\n"
    body = line * (4 * 1024 * 1024 // len(line))
    return b"From: a@x.test\r\nTo: " + USER.encode() + b"\r\nSubject: big\r\n\r\n" + body


def search_cpu(proc, store_proc, port):
    """CPU of the costliest SEARCH, and another user's login time during it."""
    c = imaplib.IMAP4("127.0.0.1", port)
    c.login(USER, PASSWORD)
    c.select("INBOX")
    keys = " ".join(f"NOT BODY zzz{i}" for i in range(CONTENT_KEYS))
    logins = []

    def other_logins():
        for _ in range(5):
            t0 = time.time()
            o = imaplib.IMAP4("127.0.0.1", port)
            o.login(OTHER, PASSWORD)
            o.logout()
            logins.append(time.time() - t0)

    c0, s0, t0 = cpu_seconds(proc.pid), cpu_seconds(store_proc.pid), time.time()
    other = threading.Thread(target=other_logins)
    other.start()
    typ, _ = c._simple_command("SEARCH", keys)
    other.join()
    seconds = time.time() - t0
    assert typ == "OK", typ
    c.logout()
    return cpu_seconds(proc.pid) - c0, cpu_seconds(store_proc.pid) - s0, seconds, max(logins)


def main():
    store = Store()
    try:
        store.ctl("domain", "add", "bench.test")
        for user in (USER, OTHER):
            store.ctl("mailbox", "add", user, "--password-stdin", stdin=PASSWORD + "\n")
        m = Mismo(store, QUEUE_CYCLE_PERIOD="1", IMAP_MAX_CLIENTS_PER_HOST=str(CONNECTIONS + 50),
                  POP3_MAX_CLIENTS_PER_HOST=str(CONNECTIONS + 50))
        m.start("smtp-engine")
        m.start("qprocessor")
        s = smtplib.SMTP("127.0.0.1", m.port("SMTP_LISTEN"))
        s.sendmail("a@x.test", [USER], big_message())
        s.quit()

        def delivered():
            out = subprocess.run([f"{ROOT}/target/release/mismoctl", "mailbox", "usage", USER],
                                 env=store.env, capture_output=True, text=True).stdout
            return "1 message" in out
        wait_until(delivered, 120, "delivery")
        imapd = m.start("imapd")
        pop3d = m.start("pop3d")
        imap_port, pop3_port = m.port("IMAP_LISTEN"), m.port("POP3_LISTEN")

        literal = f"x APPEND INBOX {{{PRE_LOGIN_LITERAL}}}\r\n".encode()
        imap_idle = memory_per_connection(imapd, imap_port, b"* OK", None, None)
        # A fresh process, so the first round's freed memory is not reused.
        m.stop("imapd")
        imapd = m.start("imapd")
        imap_literal = memory_per_connection(imapd, imap_port, b"* OK", literal,
                                             b"x" * (PRE_LOGIN_LITERAL - 1))
        pop3_idle = memory_per_connection(pop3d, pop3_port, b"+OK", None, None)
        login_ms, tries = failed_login_cpu(imapd, imap_port)
        search_s, search_store_s, search_wall, other_login = search_cpu(imapd, store.proc, imap_port)
    finally:
        store.stop()

    print(f"\nWhat a hostile client can make a server spend, on {machine()}\n")
    rows = [
        ["imapd: a connection that never logs in", f"{imap_idle:.1f} KiB", "-"],
        [f"imapd: the same, holding a {PRE_LOGIN_LITERAL}-byte literal half sent",
         f"{imap_literal:.1f} KiB", "-"],
        ["pop3d: a connection that never logs in", f"{pop3_idle:.1f} KiB", "-"],
        [f"imapd: a wrong password ({tries} until the address is refused)", "-",
         f"{login_ms:.0f} ms"],
        [f"imapd: SEARCH with {CONTENT_KEYS} NOT BODY keys over one 4 MiB message", "-",
         f"{search_s * 1000:.0f} ms (+{search_store_s * 1000:.0f} ms store), {search_wall:.2f} s"],
    ]
    table(["what the attacker does", "memory each", "server CPU each"], rows)
    print(f"\nanother user's login during that SEARCH: at most {other_login:.2f} s")
    save_result("hostile", {"machine": machine(), "connections": CONNECTIONS,
                            "imap_idle_kib": imap_idle, "imap_literal_kib": imap_literal,
                            "pop3_idle_kib": pop3_idle, "login_cpu_ms": login_ms,
                            "search_cpu_s": search_s, "search_store_cpu_s": search_store_s,
                            "other_login_s": other_login})


if __name__ == "__main__":
    main()
