"""A message with RFC 3461 DSN parameters, sent with smtplib.

usage: dsn.py HOST PORT
"""
import smtplib
import sys

s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=60)
s.ehlo("client.far.test")
for name, (code, text) in [
    ("MAIL", s.mail("a@far.test", ["RET=HDRS", "ENVID=QQ314159"])),
    ("RCPT", s.rcpt("zoe@example.org", ["NOTIFY=FAILURE,DELAY", "ORCPT=rfc822;Zoe@Example.org"])),
    ("DATA", s.data(b"Subject: dsn\r\n\r\nbody\r\n")),
]:
    print(name, code, text.decode())
s.quit()
