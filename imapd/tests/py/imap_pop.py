"""One mailbox over IMAP and POP3 at once: a delivery appears in an IDLE
session, reads the same over both, and a POP3 deletion reaches IMAP.

Usage: imap_pop.py HOST IMAPS_PORT POP3S_PORT USER PASSWORD
Prints "idling" once IMAP idles (the caller then delivers), then "ok".
"""
import imaplib
import poplib
import sys
import time

from checks import check, ctx

host, iport, pport, user, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]


def idle(conn):
    tag = conn._new_tag().decode()  # noqa: SLF001
    conn.send(f"{tag} IDLE\r\n".encode())
    check(conn.readline().startswith(b"+"), "idle continuation")
    return tag


def wait_for(conn, want):
    seen = b""
    deadline = time.time() + 15
    while want not in seen and time.time() < deadline:
        seen += conn.readline()
    check(want in seen, f"no {want!r}: {seen!r}")


def done(conn, tag):
    conn.send(b"DONE\r\n")
    while not conn.readline().startswith(tag.encode()):
        pass

c = imaplib.IMAP4_SSL(host, iport, ssl_context=ctx)
c.login(user, password)
c.sock.settimeout(20)
typ, data = c.select("INBOX")
check(data == [b"0"], f"empty at first: {data}")
tag = idle(c)
print("idling", flush=True)
wait_for(c, b"* 1 EXISTS")
done(c, tag)
typ, data = c.fetch("1", "(BODY.PEEK[])")
over_imap = data[0][1]

p = poplib.POP3_SSL(host, pport, context=ctx)
p.user(user)
p.pass_(password)
count, _ = p.stat()
check(count == 1, f"POP3 sees {count}")
_, lines, _ = p.retr(1)
over_pop = b"\r\n".join(lines) + b"\r\n"
check(over_pop == over_imap, f"POP3 {over_pop!r} / IMAP {over_imap!r}")
check(over_imap.startswith(b"Return-Path: <bob@example.net>\r\nDelivered-To: "), f"delivery headers {over_imap!r}")

tag = idle(c)
p.dele(1)
p.quit()
wait_for(c, b"* 1 EXPUNGE")
done(c, tag)
c.logout()
print("ok")
