"""Local delivery: smtp-source -> MTA -> mailbox, and how soon mail is readable.

usage: python3 bench/local.py [MESSAGES] [PROBES]   (defaults 20000, 50)

Throughput: MESSAGES messages of 4 KB to one mailbox, timed until the last is
in it. Postfix delivers with virtual(8) into a Maildir (what Dovecot would
serve); Mismo's qprocessor into the store (what pop3d serves).

Latency at light load: PROBES messages sent one at a time (smtplib), each
timed from its 250 until it is readable: for Mismo, until a POP3 session
(poplib, a fresh login each poll) lists it; for Postfix, until its file is in
the Maildir. Run as root.
"""
import os
import poplib
import pwd
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time

from lib import (BIN, Mismo, Postfix, Store, cpu_seconds, machine, peak_rss_mb, percentile, save_result,
                 smtp_source, table, wait_until)

MESSAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
PROBES = int(sys.argv[2]) if len(sys.argv) > 2 else 50
SESSIONS = 20
LIMIT = 60 + MESSAGES / 20
PASSWORD = "bench password"


def probe_message(i):
    return f"From: a@x.test\r\nTo: u@bench.test\r\nSubject: probe {i}\r\n\r\nhello\r\n".encode()


def light_load(port, readable, rcpt="u@bench.test"):
    """Seconds from each probe's 250 until `readable(n)` says n messages are there."""
    out = []
    s = smtplib.SMTP("127.0.0.1", port)
    for i in range(PROBES):
        s.sendmail("a@x.test", [rcpt], probe_message(i))
        accepted = time.perf_counter()
        while not readable(i + 1):
            time.sleep(0.001)
        out.append(time.perf_counter() - accepted)
        time.sleep(0.05)
    s.quit()
    return out


def postfix():
    base = tempfile.mkdtemp(prefix="mismo-bench-vmail-")
    nobody = pwd.getpwnam("nobody")
    os.chown(base, nobody.pw_uid, nobody.pw_gid)
    pf = Postfix(mydestination="", virtual_mailbox_domains="bench.test", virtual_mailbox_base=base,
                 virtual_mailbox_maps="static:u/", virtual_uid_maps=f"static:{nobody.pw_uid}",
                 virtual_gid_maps=f"static:{nobody.pw_gid}", virtual_minimum_uid="1")
    new = os.path.join(base, "u", "new")

    def count():
        try:
            return len(os.listdir(new))
        except FileNotFoundError:
            return 0
    try:
        c0 = pf.cpu()
        start = time.time()
        smtp_source(pf.port, MESSAGES, SESSIONS)
        end = wait_until(lambda: count() >= MESSAGES, LIMIT, "Postfix to deliver everything")
        result = {"msg_s": MESSAGES / (end - start), "cpu_ms": (pf.cpu() - c0) * 1000 / MESSAGES, "rss_mb": pf.rss()}
        latencies = light_load(pf.port, lambda n: count() >= MESSAGES + n)
        result.update(p50_ms=percentile(latencies, 50) * 1000, p99_ms=percentile(latencies, 99) * 1000)
        return result
    finally:
        pf.stop()
        shutil.rmtree(base, ignore_errors=True)


def mismo():
    store = Store()
    try:
        store.ctl("domain", "add", "bench.test")
        # The probes go to a mailbox of their own: a POP3 login lists the
        # whole mailbox, and the bulk run leaves MESSAGES in the first.
        for box in ("u@bench.test", "light@bench.test"):
            store.ctl("mailbox", "add", box, "--password-stdin", stdin=PASSWORD + "\n")
        m = Mismo(store)
        m.start("qprocessor")
        m.start("smtp-engine")
        m.start("pop3d")
        time.sleep(0.5)

        def delivered():
            out = subprocess.run([f"{BIN}/mismoctl", "--json", "mailbox", "usage", "u@bench.test"],
                                 env=store.env, capture_output=True, text=True, check=True).stdout
            import json
            return json.loads(out)["messages"]
        c0, s0 = m.cpu(), cpu_seconds(store.proc.pid)
        start = time.time()
        smtp_source(m.port("SMTP_LISTEN"), MESSAGES, SESSIONS)
        # Each look sums the mailbox in the store: not too often, or the
        # looking costs the store more than the delivering.
        end = wait_until(lambda: delivered() >= MESSAGES, LIMIT, "Mismo to deliver everything", interval=0.25)
        c1, s1 = m.cpu(), cpu_seconds(store.proc.pid)
        result = {
            "msg_s": MESSAGES / (end - start),
            "cpu_ms": {n: (c1[n] - c0[n]) * 1000 / MESSAGES for n in ("smtp-engine", "qprocessor")},
            "store_cpu_ms": (s1 - s0) * 1000 / MESSAGES,
        }

        def over_pop3(n):
            p = poplib.POP3("127.0.0.1", m.port("POP3_LISTEN"))
            p.user("light@bench.test")
            p.pass_(PASSWORD)
            count = p.stat()[0]
            p.quit()
            return count >= n
        latencies = light_load(m.port("SMTP_LISTEN"), over_pop3, rcpt="light@bench.test")
        result.update(p50_ms=percentile(latencies, 50) * 1000, p99_ms=percentile(latencies, 99) * 1000,
                      rss_mb=dict(m.rss(), store=peak_rss_mb(store.proc.pid)))
        m.stop()
        return result
    finally:
        store.stop()


def main():
    p = postfix()
    e = mismo()
    ratio = e["msg_s"] / p["msg_s"]
    ours = sum(e["cpu_ms"].values())
    print(f"\nLocal delivery: {MESSAGES} messages of 4 KB from smtp-source ({SESSIONS} sessions) into one mailbox; "
          f"then {PROBES} single messages at light load, 250 to readable; on {machine()}\n")
    table(["system", "msg/s delivered", "CPU ms/msg (MTA)", "CPU ms/msg (store)", "250 to readable p50 / p99 ms",
           "peak RSS MB", "vs Postfix"], [
        ["Postfix 3.7 (virtual, Maildir)", f"{p['msg_s']:.0f}", f"{p['cpu_ms']:.2f}", "-",
         f"{p['p50_ms']:.0f} / {p['p99_ms']:.0f} (file in Maildir)", f"{p['rss_mb']:.0f} (all processes)", "1.00"],
        ["Mismo (engine + qprocessor)", f"{e['msg_s']:.0f}",
         f"{ours:.2f} (engine {e['cpu_ms']['smtp-engine']:.2f}, qprocessor {e['cpu_ms']['qprocessor']:.2f})",
         f"{e['store_cpu_ms']:.2f}", f"{e['p50_ms']:.0f} / {e['p99_ms']:.0f} (listed over POP3)",
         ", ".join(f"{n} {v:.0f}" for n, v in e["rss_mb"].items()), f"{ratio:.2f}"],
    ])
    save_result("local", {"postfix": p, "mismo": e, "ratio": ratio, "machine": machine()})


if __name__ == "__main__":
    main()
