"""Steady SMTP load for the fault test: one session per message, until the
file STOP exists. Prints one JSON object per message:
{"n": N, "result": "OK"|"TEMP"|"PERM"|"ERROR", "code": reply code or null,
 "id": queue id for OK, "text": reply or exception, "seconds": session time}

usage: faults_load.py HOST PORT RCPT STOP
"""
import json
import os
import smtplib
import sys
import time

host, port, rcpt, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
n = 0
while not os.path.exists(stop):
    n += 1
    msg = b"Subject: fault test %d\r\nX-Fault-Seq: %d\r\n\r\nmessage %d\r\n" % (n, n, n)
    started = time.time()
    out = {"n": n, "code": None, "id": None}
    try:
        s = smtplib.SMTP(host, port, timeout=60)
        try:
            s.ehlo("client.far.test")
            code, text = s.mail("sender@far.test")
            if code == 250:
                code, text = s.rcpt(rcpt)
            if code == 250:
                code, text = s.data(msg)
            text = text.decode(errors="replace")
            out["code"] = code
            out["text"] = text
            if code == 250:
                out["result"] = "OK"
                out["id"] = text.split("queued as ")[1].strip()
            else:
                out["result"] = "TEMP" if 400 <= code < 500 else "PERM"
            s.quit()
        finally:
            s.close()
    except smtplib.SMTPResponseException as e:
        out["code"] = e.smtp_code
        out["text"] = e.smtp_error.decode(errors="replace")
        out["result"] = "TEMP" if 400 <= e.smtp_code < 500 else "PERM"
    except (smtplib.SMTPException, OSError) as e:
        if out.get("result") != "OK":
            out["result"] = "ERROR"
        out["text"] = repr(e)
    out["seconds"] = round(time.time() - started, 3)
    print(json.dumps(out), flush=True)
    time.sleep(0.02)
