"""Keep sending messages while the store goes away and comes back.

usage: outage.py HOST PORT TO SECONDS
One session per message. Prints one line per message: 'OK <queue id>' for a
250, or 'TEMP <code> <text>' / 'ERROR <exception>' otherwise.
"""
import smtplib
import sys
import time

host, port, rcpt, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
end = time.time() + seconds
n = 0
while time.time() < end:
    n += 1
    msg = b"Subject: outage test %d\r\n\r\nmessage %d\r\n" % (n, n)
    try:
        s = smtplib.SMTP(host, port, timeout=60)
        s.ehlo("client.far.test")
        s.mail("sender@far.test")
        code, text = s.rcpt(rcpt)
        if code != 250:
            print("TEMP", code, text.decode(), flush=True)
            s.quit()
            time.sleep(0.05)
            continue
        code, text = s.data(msg)
        text = text.decode()
        if code == 250:
            print("OK", text.split("queued as ")[1].strip(), flush=True)
        else:
            print("TEMP", code, text, flush=True)
        s.quit()
    except (smtplib.SMTPException, OSError) as e:
        print("ERROR", repr(e), flush=True)
    time.sleep(0.02)
