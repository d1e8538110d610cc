"""Protocol limits, seen from smtplib.

usage: limits.py HOST PORT
Prints 'RCPT101 <code> <text>' for the 101st recipient and 'LONGLINE <code>
<text>' for a 600-octet command line, then 'NOOP <code>' to show the session
goes on.
"""
import smtplib
import sys

s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=60)
s.ehlo("client.far.test")
s.mail("sender@far.test")
for i in range(100):
    code, text = s.rcpt("zoe@example.org" if i == 0 else "u%d@catch.test" % i)
    assert code == 250, (i, code, text)
code, text = s.rcpt("u100@catch.test")
print("RCPT101", code, text.decode())
s.rset()
code, text = s.docmd("NOOP", "x" * 600)
print("LONGLINE", code, text.decode())
print("NOOP", s.noop()[0])
s.quit()
