"""A large APPEND through imaplib, read back byte for byte; then the bounds
on literals and lines.

Usage: imap_big.py HOST TLS_PORT USER PASSWORD MEGABYTES
"""
import hashlib
import imaplib
import socket
import sys

from checks import check, ctx

host, port, user, password, mb = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])


# Every octet value a message may hold in its body lines, CRLF-terminated.
line = bytes(b for b in range(32, 127)) + b"\t\x80\xff\r\n"
body = line * (mb * 1024 * 1024 // len(line))
msg = b"From: zoe@example.org\r\nSubject: big\r\n\r\n" + body
c = imaplib.IMAP4_SSL(host, port, ssl_context=ctx)
c.login(user, password)
typ, data = c.append("INBOX", None, None, msg)
check(typ == "OK" and b"APPENDUID" in data[0], f"append {data}")
uid = data[0].split(b"]")[0].split()[-1].decode()
c.select("INBOX")
typ, data = c.uid("FETCH", uid, "(RFC822.SIZE BODY.PEEK[])")
check(typ == "OK", f"fetch {typ}")
check(f"RFC822.SIZE {len(msg)}".encode() in data[0][0], f"size {data[0][0]!r}")
got = data[0][1]
check(len(got) == len(msg), f"{len(got)} octets back, {len(msg)} sent")
check(hashlib.sha256(got).digest() == hashlib.sha256(msg).digest(), "bytes differ")
typ, data = c.uid("FETCH", uid, "(BODY.PEEK[]<5000000.100>)")
check(data[0][1] == msg[5000000:5000100], "a window of the streamed message")
check(b"BODY[]<5000000>" in data[0][0], f"window name {data[0][0]!r}")
c.logout()

# Bounds: a literal over the limit gets BAD [TOOBIG] and no continuation;
# an overlong line the same; the session goes on.
raw = ctx.wrap_socket(socket.create_connection((host, port)), server_hostname=host)
f = raw.makefile("rb")
check(f.readline().startswith(b"* OK"), "greeting")
raw.sendall(b"a1 APPEND INBOX {999999999}\r\n")
reply = f.readline()
check(reply.startswith(b"a1 BAD [TOOBIG]"), f"oversized APPEND literal: {reply!r}")
raw.sendall(b"a2 LOGIN {100000}\r\n")
reply = f.readline()
check(reply.startswith(b"a2 BAD [TOOBIG]"), f"oversized LOGIN literal: {reply!r}")
raw.sendall(b"a3 NOOP " + b"x" * 100_000 + b"\r\n")
reply = f.readline()
check(reply.startswith(b"a3 BAD [TOOBIG]"), f"overlong line: {reply!r}")
raw.sendall(b"a4 NOOP\r\n")
reply = f.readline()
check(reply.startswith(b"a4 OK"), f"still serving: {reply!r}")
raw.close()
print("ok")
