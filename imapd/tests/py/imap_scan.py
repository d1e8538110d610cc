"""A whole folder read by header: every ENVELOPE (twice: from the store, then
from imapd's header cache) and header SEARCHes that match many, one or none.
The folder holds COUNT messages with subjects "Message 0" .. "Message COUNT-1".

Usage: imap_scan.py HOST TLS_PORT USER PASSWORD COUNT
"""
import imaplib
import re
import sys

from checks import check, ctx

host, port, user, password, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])

c = imaplib.IMAP4_SSL(host, port, ssl_context=ctx)
c.login(user, password)
typ, data = c.select("INBOX", readonly=True)
check(typ == "OK" and int(data[0]) == count, f"select {data}")


def subjects():
    typ, data = c.fetch("1:*", "(ENVELOPE)")
    check(typ == "OK", f"fetch {typ}")
    found = [re.search(rb'"(Message \d+)"', d).group(1).decode() for d in data if isinstance(d, bytes)]
    check(len(found) == count, f"{len(found)} envelopes")
    return found


first = subjects()
check(sorted(first) == sorted(f"Message {i}" for i in range(count)), "every subject once")
check(subjects() == first, "the second reading agrees")


def search(*criteria):
    typ, data = c.search(None, *criteria)
    check(typ == "OK", f"search {criteria}")
    return [int(n) for n in data[0].split()]


def numbers_with(prefix):
    return {i for i in range(count) if f"Message {i}".startswith(prefix)}


many = search("SUBJECT", '"message 1"')
check(len(many) == len(numbers_with("Message 1")), f"{len(many)} match 'message 1'")
check({first[n - 1] for n in many} == {f"Message {i}" for i in numbers_with("Message 1")}, "the right ones")
one = search("HEADER", "Subject", f'"Message {count - 7}"')
check([first[n - 1] for n in one] == [f"Message {count - 7}"], f"one {one}")
check(search("SUBJECT", "Nothing") == [], "none")
rest = search("NOT", "SUBJECT", '"message 1"')
check(len(rest) == count - len(many), f"NOT {len(rest)}")
check(len(search("FROM", "bob@example.net", "SUBJECT", '"message 1"')) == len(many), "AND")
c.logout()
print("ok")
