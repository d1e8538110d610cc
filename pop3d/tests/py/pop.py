"""Drive a POP3 server with Python's poplib and print what it answered, as JSON.

usage: pop.py HOST PORT ssl|stls|plain USER PASS ACTION...

Actions, run in order on one session:
  stat | list | uidl | capa | retr:N | top:N:LINES | dele:N | rset | noop
  quit        end with QUIT (commits deletions)
  drop        close the socket without QUIT
  hold:SECS   sleep while holding the session
Each retrieved message is printed as base64 of its lines joined with CRLF.
"""
import base64
import json
import poplib
import ssl
import sys
import time

host, port, mode, user, password = sys.argv[1:6]
actions = sys.argv[6:]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = {"log": []}


def log(kind, value):
    out["log"].append([kind, value])


try:
    if mode == "ssl":
        p = poplib.POP3_SSL(host, int(port), context=ctx, timeout=30)
    else:
        p = poplib.POP3(host, int(port), timeout=30)
        if mode == "stls":
            log("stls", p.stls(context=ctx).decode())
    log("welcome", p.getwelcome().decode())
    p.user(user)
    log("pass", p.pass_(password).decode())
    for a in actions:
        cmd, *args = a.split(":")
        if cmd == "stat":
            log("stat", list(p.stat()))
        elif cmd == "list":
            log("list", [l.decode() for l in p.list()[1]])
        elif cmd == "uidl":
            log("uidl", [l.decode() for l in p.uidl()[1]])
        elif cmd == "capa":
            log("capa", sorted(p.capa().keys()))
        elif cmd == "retr":
            resp, lines, octets = p.retr(int(args[0]))
            log("retr", base64.b64encode(b"\r\n".join(lines) + b"\r\n").decode())
        elif cmd == "top":
            resp, lines, octets = p.top(int(args[0]), int(args[1]))
            log("top", base64.b64encode(b"\r\n".join(lines) + b"\r\n").decode())
        elif cmd == "dele":
            log("dele", p.dele(int(args[0])).decode())
        elif cmd == "rset":
            log("rset", p.rset().decode())
        elif cmd == "noop":
            log("noop", p.noop().decode())
        elif cmd == "hold":
            time.sleep(float(args[0]))
        elif cmd == "quit":
            log("quit", p.quit().decode())
        elif cmd == "drop":
            p.sock.close()
            log("drop", "")
except (poplib.error_proto, OSError) as e:
    out["error"] = str(e.args[0].decode() if e.args and isinstance(e.args[0], bytes) else e)
print(json.dumps(out))
