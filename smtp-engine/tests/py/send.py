"""Send one message with Python's smtplib and print the server's replies.

usage: send.py HOST PORT plain|starttls|ssl USER|- PASS|- FROM TO[,TO...] FILE [SMTPUTF8]
Prints 'DATA <code> <text>' for the final reply, or 'REFUSED <exception>'.
"""
import smtplib
import ssl
import sys

host, port, mode, user, password, sender, rcpts, path = sys.argv[1:9]
options = sys.argv[9:]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with open(path, "rb") as f:
    body = f.read()
try:
    if mode == "ssl":
        s = smtplib.SMTP_SSL(host, int(port), context=ctx, timeout=60)
    else:
        s = smtplib.SMTP(host, int(port), timeout=60)
    s.ehlo("client.far.test")
    if mode == "starttls":
        s.starttls(context=ctx)
        s.ehlo("client.far.test")
    if user != "-":
        s.login(user, password)
    mail_opts = ["SIZE=%d" % len(body)] + (["SMTPUTF8", "BODY=8BITMIME"] if "SMTPUTF8" in options else [])
    code, text = s.mail(sender, mail_opts)
    if code != 250:
        print("MAIL", code, text.decode())
        sys.exit(1)
    for r in rcpts.split(","):
        code, text = s.rcpt(r)
        print("RCPT", code, text.decode())
    code, text = s.data(body)
    print("DATA", code, text.decode())
    s.quit()
except (smtplib.SMTPException, OSError) as e:
    print("REFUSED", repr(e))
    sys.exit(1)
