"""Guess one password over many parallel connections to several services at
once, as a brute-force client would, and print how each guess was answered.

usage: login_storm.py USER WRONG RIGHT GUESSES smtps:PORT|pop3s:PORT|imaps:PORT...

GUESSES connections are opened at once, spread round-robin over the
services, and each tries WRONG. Then RIGHT is tried once on every service.
Prints JSON: {"guesses": {"failed": n, "refused": n, "other": [...]},
"right": {"smtps:PORT": "...", ...}}.
  failed   the password was checked and was wrong (535 / -ERR [AUTH] / NO
           [AUTHENTICATIONFAILED] Authentication failed)
  refused  the address is out of attempts (421 / "Too many" / NO [UNAVAILABLE])
"""
import imaplib
import json
import poplib
import smtplib
import ssl
import sys
import threading

user, wrong, right, guesses = sys.argv[1:5]
services = sys.argv[5:]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


def attempt(service, password):
    """One login; returns the server's answer as text ("ok" on success)."""
    kind, port = service.split(":")
    port = int(port)
    try:
        if kind == "smtps":
            with smtplib.SMTP_SSL("127.0.0.1", port, context=ctx, timeout=60) as s:
                # One mechanism: login() would try the next one after a
                # refusal, on a connection the server has closed.
                s.ehlo()
                s.user, s.password = user, password
                s.auth("PLAIN", s.auth_plain)
                return "ok"
        if kind == "pop3s":
            p = poplib.POP3_SSL("127.0.0.1", port, context=ctx, timeout=60)
            try:
                p.user(user)
                p.pass_(password)
                return "ok"
            finally:
                p.close()
        if kind == "imaps":
            i = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=60)
            try:
                i.login(user, password)
                return "ok"
            finally:
                i.shutdown()
    except smtplib.SMTPResponseException as e:
        return f"{e.smtp_code} {e.smtp_error.decode(errors='replace')}"
    except (smtplib.SMTPServerDisconnected, ConnectionError, EOFError) as e:
        return f"closed: {e}"
    except (poplib.error_proto, imaplib.IMAP4.error) as e:
        return str(e)
    raise SystemExit(f"unknown service {service}")


def classify(answer):
    if "Too many failed" in answer or answer.startswith("421"):
        return "refused"
    if (
        answer.startswith("535")
        or "[AUTH] Authentication failed" in answer
        or "[AUTHENTICATIONFAILED] Authentication failed" in answer
    ):
        return "failed"
    return "other"


answers = []
lock = threading.Lock()
start = threading.Barrier(int(guesses))


def guess(service):
    start.wait()
    answer = attempt(service, wrong)
    with lock:
        answers.append((service, answer))


threads = [
    threading.Thread(target=guess, args=(services[n % len(services)],))
    for n in range(int(guesses))
]
for t in threads:
    t.start()
for t in threads:
    t.join()

counts = {"failed": 0, "refused": 0, "other": []}
for service, answer in answers:
    kind = classify(answer)
    if kind == "other":
        counts["other"].append([service, answer])
    else:
        counts[kind] += 1
print(json.dumps({"guesses": counts, "right": {s: attempt(s, right) for s in services}}))
