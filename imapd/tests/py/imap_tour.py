"""Every IMAP command through Python's imaplib against imapd.

Usage: imap_tour.py HOST PLAIN_PORT TLS_PORT USER PASSWORD
Exits non-zero with the failed check on stderr; prints "ok" when all pass.
"""
import imaplib
import re
import sys
import time

from checks import check, ctx

host, plain, tls, user, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]


def ok(resp, what):
    typ, data = resp
    check(typ == "OK", f"{what}: {typ} {data!r}")
    return data


# Before TLS: no passwords.
c = imaplib.IMAP4(host, plain)
check("LOGINDISABLED" in c.capabilities and "STARTTLS" in c.capabilities, f"caps {c.capabilities}")
try:
    c.login(user, password)
    check(False, "LOGIN before STARTTLS accepted")
except imaplib.IMAP4.error as e:
    check("PRIVACYREQUIRED" in str(e) or "LOGINDISABLED" in str(e), f"login refusal {e}")


def bad(fn, *args, contains=""):
    try:
        typ, data = fn(*args)
    except imaplib.IMAP4.error as e:
        check(contains in str(e), f"BAD {args}: {e}")
        return
    check(False, f"{args} answered {typ} {data!r}, not BAD")


bad(c.xatom, "FROB", contains="Unknown command")
c.starttls(ssl_context=ctx)
check("AUTH=PLAIN" in c.capabilities, f"caps after TLS {c.capabilities}")
try:
    c.login(user, "wrong password")
    check(False, "wrong password accepted")
except imaplib.IMAP4.error as e:
    check("AUTHENTICATIONFAILED" in str(e), f"bad login {e}")
ok(c.login(user, password), "login")
c.sock.settimeout(20)
caps = ok(c.capability(), "capability")[0].decode()
for cap in ["IDLE", "UIDPLUS", "MOVE", "LITERAL+", "SPECIAL-USE", "NAMESPACE", "ID", "ENABLE", "CONDSTORE"]:
    check(cap in caps.split(), f"capability {cap} in {caps}")
ok(c.noop(), "noop")
ns = ok(c.namespace(), "namespace")
check(b'(("" "/"))' in ns[0], f"namespace {ns}")
ok(c.xatom("ID", '("name" "imaplib")'), "id")
typ, data = c._simple_command("ENABLE", "CONDSTORE")  # noqa: SLF001
check(typ == "OK", "enable")
check(c.untagged_responses.pop("ENABLED", [b""])[0] == b"CONDSTORE", "ENABLED CONDSTORE")

# Folders.
lst = [l.decode() for l in ok(c.list(), "list")]
names = [re.search(r'"/" "?([^"]*)"?$', l).group(1) for l in lst]
check(names[0] == "INBOX" and {"Sent", "Drafts", "Trash", "Junk"} <= set(names), f"list {lst}")
typ, data = c._simple_command("LIST", '""', "*", "RETURN", "(SPECIAL-USE)")  # noqa: SLF001
special = [l.decode() for l in c.untagged_responses.pop("LIST", [])]
check(any("\\Sent" in l and "Sent" in l for l in special), f"special-use {special}")
ok(c.create("Work"), "create")
ok(c.create("Work/2026"), "create nested")
check(c.create("Work")[0] == "NO", "create twice")
ok(c.rename("Work", "Job"), "rename")
lst = [l.decode() for l in ok(c.list("\"\"", "Job*"), "list Job*")]
check(len(lst) == 2 and any('"Job/2026"' in l for l in lst), f"renamed with child {lst}")
check(any("\\HasChildren" in l and '"Job"' in l for l in lst), f"children {lst}")
ok(c.unsubscribe("Job/2026"), "unsubscribe")
lsub = [l.decode() for l in ok(c.lsub("\"\"", "Job*"), "lsub")]
check(len(lsub) == 1, f"lsub {lsub}")
ok(c.subscribe("Job/2026"), "subscribe")
ok(c.delete("Job/2026"), "delete")
# Names beyond ASCII travel in modified UTF-7 (RFC 3501 5.1.3).
ok(c.create("Entw&APw-rfe/&ZeVnLIqe-"), "create in modified UTF-7")
lst = [l.decode() for l in ok(c.list('""', "Entw&APw-rfe/*"), "list in modified UTF-7")]
check(len(lst) == 1 and lst[0].endswith('"Entw&APw-rfe/&ZeVnLIqe-"'), f"modified UTF-7 {lst}")
try:
    c.create('"Tom & Jerry"')
    check(False, "a bare & accepted")
except imaplib.IMAP4.error as e:
    check("modified UTF-7" in str(e), f"bare & refused: {e}")
check(c.delete("INBOX")[0] == "NO", "INBOX not deletable")
check(c.select("Nope")[0] == "NO", "select missing")
st = ok(c.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)"), "status")[0].decode()
check("MESSAGES 3" in st and "UIDNEXT 4" in st and "UNSEEN 3" in st, f"status {st}")

# The selected folder.
typ, data = c.select("INBOX")
check(typ == "OK" and data == [b"3"], f"select {data}")
check(c.untagged_responses.get("UIDVALIDITY"), "UIDVALIDITY")
check(c.untagged_responses.get("HIGHESTMODSEQ"), "HIGHESTMODSEQ")
data = ok(c.fetch("1:3", "(UID FLAGS RFC822.SIZE INTERNALDATE)"), "fetch fast")
check(len(data) == 3 and b"UID 1 " in data[0] and b"FLAGS ()" in data[0], f"fetch {data}")
data = ok(c.fetch("1", "(ENVELOPE BODYSTRUCTURE)"), "fetch envelope")
check(b'"First"' in data[0] and b'"zoe" "example.org"' in data[0] and b'"TEXT" "PLAIN"' in data[0], f"envelope {data}")
data = ok(c.fetch("2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), "header fields")
check(data[0][1] == b"Subject: Second\r\n\r\n", f"header fields {data}")
data = ok(c.fetch("1", "(BODY.PEEK[TEXT]<0.5>)"), "partial")
check(data[0][1] == b"Body ", f"partial {data}")
data = ok(c.fetch("1", "(FLAGS)"), "still unseen")
check(b"\\Seen" not in data[0], f"peek set \\Seen {data}")
data = ok(c.fetch("1", "(BODY[])"), "body")
check(data[0][1].startswith(b"From:") and b"Body of the first" in data[0][1], f"body {data}")
data = ok(c.fetch("1", "(FLAGS)"), "seen now")
check(b"\\Seen" in data[0], f"BODY[] sets \\Seen {data}")
bad(c.fetch, "9", "FLAGS", contains="Invalid message number")

data = ok(c.store("2", "+FLAGS", "(\\Flagged $Work)"), "store +flags")
check(b"\\Flagged" in data[0] and b"$Work" in data[0], f"store {data}")
data = ok(c.store("2", "-FLAGS", "($Work)"), "store -flags")
check(b"$Work" not in data[0], f"store -flags {data}")
data = ok(c.uid("STORE", "3", "+FLAGS.SILENT", "(\\Answered)"), "uid store silent")
check(data == [None], f"silent store {data}")

def search(*keys, uid=False):
    data = ok(c.uid("SEARCH", *keys) if uid else c.search(None, *keys), f"search {keys}")
    return data[0].split()

check(search("ALL") == [b"1", b"2", b"3"], "search all")
check(search("SEEN") == [b"1"], "search seen")
check(search("UNSEEN") == [b"2", b"3"], "search unseen")
check(search("FLAGGED") == [b"2"], "search flagged")
check(search("ANSWERED") == [b"3"], "search answered")
check(search("SUBJECT", "second") == [b"2"], "search subject")
check(search("FROM", "far.test") == [b"3"], "search from")
check(search("BODY", "THIRD") == [b"3"], "search body")
check(search("OR", "SEEN", "FLAGGED") == [b"1", b"2"], "search or")
check(search("NOT", "1:2") == [b"3"], "search not")
check(search("LARGER", "1") == [b"1", b"2", b"3"], "search larger")
check(search("SINCE", "1-Jan-2020", "BEFORE", "1-Jan-2100") == [b"1", b"2", b"3"], "search dates")
check(search("HEADER", "X-Tag", "blue") == [b"2"], "search header")
check(search("UID", "2:3", uid=True) == [b"2", b"3"], "uid search")
check(search("CHARSET", "UTF-8", "TEXT", "zoë".encode()) == [b"1"], "search utf-8")

# COPY, MOVE, EXPUNGE, APPEND.
typ, data = c.copy("1", "Trash")
check(typ == "OK" and b"COPYUID" in data[0], f"copy {data}")
check(c.copy("1", "Nope")[0] == "NO", "copy to missing")
typ, data = c.uid("MOVE", "3", "Junk")
check(typ == "OK", f"move {data}")
check(b"COPYUID" in b" ".join(x for x in c.untagged_responses.pop("OK", []) if x), "move COPYUID")
typ, data = c.select("INBOX")
check(data == [b"2"], f"after move {data}")
ok(c.store("1", "+FLAGS", "(\\Deleted)"), "mark deleted")
typ, data = c.expunge()
check(typ == "OK" and data == [b"1"], f"expunge {data}")
msg = b"From: zoe@example.org\r\nSubject: Draft\r\n\r\nAppended\r\n"
typ, data = c.append("Drafts", "(\\Draft \\Seen)", '"01-Feb-2026 10:00:00 +0100"', msg)
check(typ == "OK" and b"APPENDUID" in data[0], f"append {data}")
check(c.append("Nope", None, None, msg)[1][0].startswith(b"[TRYCREATE]"), "append TRYCREATE")
typ, data = c.select("Drafts", readonly=True)
check(typ == "OK" and data == [b"1"], f"examine {data}")
data = ok(c.fetch("1", "(FLAGS INTERNALDATE BODY[])"), "fetch appended")
check(b"\\Draft" in data[0][0] and b"01-Feb-2026 09:00:00 +0000" in data[0][0], f"appended {data}")
check(data[0][1] == msg, "appended bytes")
check(c.store("1", "+FLAGS", "(\\Flagged)")[0] == "NO", "read-only store")
check(c.expunge()[0] == "NO", "read-only expunge")
check(c.uid("MOVE", "1:*", "Trash")[0] == "NO", "read-only move")
ok(c.select("Trash"), "select trash")
ok(c.store("1", "+FLAGS", "(\\Deleted)"), "delete in trash")
typ, data = c.uid("EXPUNGE", "1:*")
check(typ == "OK", f"uid expunge {data}")
ok(c.close(), "close")
c.send(b"raw1 FETCH 1 FLAGS\r\n")  # imaplib itself refuses to send it
check(c.readline() == b"raw1 BAD Select a folder first\r\n", "fetch after close")
ok(c.select("INBOX"), "select again")
ok(c._simple_command("UNSELECT"), "unselect")  # noqa: SLF001

# CONDSTORE.
ok(c.select("INBOX"), "select for condstore")
hms = int(c.untagged_responses["HIGHESTMODSEQ"][0])
ok(c.store("1", "+FLAGS", "($Later)"), "store for modseq")
data = ok(c.fetch("1:*", f"(FLAGS) (CHANGEDSINCE {hms})"), "changedsince")
check(len(data) == 1 and b"MODSEQ" in data[0] and b"$Later" in data[0], f"changedsince {data}")

# IDLE: a second session's changes reach an idling first one.
def read_until(conn, want, seen, deadline):
    try:
        while want not in seen and time.time() < deadline:
            seen += conn.readline()
    except TimeoutError:
        check(False, f"no {want!r} while idling; got {seen!r}")
    return seen


def idle_until(conn, want, seconds=10):
    tag = conn._new_tag().decode()  # noqa: SLF001
    conn.send(f"{tag} IDLE\r\n".encode())
    check(conn.readline().startswith(b"+"), "idle continuation")
    return tag

other = imaplib.IMAP4_SSL(host, tls, ssl_context=ctx)
other.login(user, password)
other.sock.settimeout(20)
other.select("INBOX")
tag = idle_until(c, b"FETCH")
deadline = time.time() + 10
other.append("INBOX", None, None, b"Subject: new\r\n\r\narrived\r\n")
seen = read_until(c, b"EXISTS", b"", deadline)
check(b"* 2 EXISTS" in seen, f"idle saw the arrival: {seen!r}")
other.store("1", "+FLAGS", "($Idle)")
seen = read_until(c, b"FETCH", seen, deadline)
check(b"$Idle" in seen, f"idle saw the flag: {seen!r}")
other.store("2", "+FLAGS", "(\\Deleted)")
other.expunge()
seen = read_until(c, b"EXPUNGE", seen, deadline)
check(b"* 2 EXPUNGE" in seen, f"idle saw the expunge: {seen!r}")
c.send(b"DONE\r\n")
line = c.readline()
while not line.startswith(tag.encode()):
    line = c.readline()
check(b"OK" in line, f"idle done {line!r}")
other.logout()

# Limits and bad input.
bad(c._simple_command, "FETCH", "1", "(FROB)", contains="Unknown fetch item FROB")  # noqa: SLF001
bad(c._simple_command, "FETCH", "1", "(FLAGS", contains="Unclosed list")  # noqa: SLF001
c.logout()

# Failed logins from one address are slowed, then refused (five in ten
# minutes; one failed above already).
refused = False
for attempt in range(6):
    t = imaplib.IMAP4_SSL(host, tls, ssl_context=ctx)
    try:
        t.login(user, f"wrong {attempt}")
    except imaplib.IMAP4.error as e:
        if "Too many failed logins" in str(e):
            refused = True
            break
        check("AUTHENTICATIONFAILED" in str(e), f"failed login {e}")
    finally:
        try:
            t.shutdown()
        except OSError:
            pass
check(refused, "failed logins were never refused")
try:
    t = imaplib.IMAP4_SSL(host, tls, ssl_context=ctx)
    t.login(user, password)
    check(False, "a blocked address logged in")
except imaplib.IMAP4.error as e:
    check("Too many failed logins" in str(e), f"blocked: {e}")
print("ok")
