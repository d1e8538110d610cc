"""A CHUNKING (RFC 3030) transaction with smtplib's low-level calls.

usage: bdat.py HOST PORT FROM TO FILE CHUNK_SIZE
Sends FILE in BDAT chunks of CHUNK_SIZE octets, the last one with LAST, and
prints each reply as 'BDAT <code> <text>'.
"""
import smtplib
import sys

host, port, sender, rcpt, path, chunk = sys.argv[1:7]
chunk = int(chunk)
with open(path, "rb") as f:
    body = f.read()
s = smtplib.SMTP(host, int(port), timeout=60)
code, text = s.ehlo("client.far.test")
assert b"CHUNKING" in text, text
print("MAIL", *s.mail(sender))
print("RCPT", *s.rcpt(rcpt))
parts = [body[i:i + chunk] for i in range(0, len(body), chunk)] or [b""]
for i, part in enumerate(parts):
    last = " LAST" if i == len(parts) - 1 else ""
    s.send(b"BDAT %d%s\r\n" % (len(part), last.encode()) + part)
    code, text = s.getreply()
    print("BDAT", code, text.decode())
s.quit()
