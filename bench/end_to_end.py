"""End to end: smtp-source -> MTA -> smtp-sink, counted at the sink.

usage: python3 bench/end_to_end.py [MESSAGES]   (default 20000)

Postfix relays everything to smtp-sink as its relayhost; Mismo's smtp-engine
takes the mail for an alias that forwards to the remote address, and its
qprocessor relays it to the same smtp-sink, found through BIND9 (the domain's
address record: no MX). Both run at the same time as the load, so the figure
is messages per second arriving at the sink. Run as root.
"""
import os
import sys
import time

from lib import (Mismo, Postfix, Sink, Store, cpu_seconds, machine, named, peak_rss_mb, save_result,
                 smtp_source, table, wait_until)

MESSAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
SESSIONS = 20
# Generous: only a broken run takes this long.
LIMIT = 60 + MESSAGES / 20


def postfix(sink):
    pf = Postfix(mydestination="", relayhost=f"[127.0.0.2]:{sink.port}")
    try:
        c0 = pf.cpu()
        start = time.time()
        smtp_source(pf.port, MESSAGES, SESSIONS, rcpt="u@far.test")
        end = wait_until(lambda: sink.count() >= MESSAGES, LIMIT, "Postfix to relay everything")
        return {"msg_s": MESSAGES / (end - start), "cpu_ms": (pf.cpu() - c0) * 1000 / MESSAGES, "rss_mb": pf.rss()}
    finally:
        pf.stop()


def mismo(sink, dns_port):
    store = Store()
    try:
        store.ctl("domain", "add", "bench.test")
        store.ctl("alias", "add", "fwd@bench.test", "u@far.test")
        m = Mismo(store, DNS_RESOLVER=f"127.0.0.1:{dns_port}", RELAY_PORT=str(sink.port))
        m.start("qprocessor")
        m.start("smtp-engine")
        time.sleep(0.5)
        c0, s0 = m.cpu(), cpu_seconds(store.proc.pid)
        start = time.time()
        smtp_source(m.port("SMTP_LISTEN"), MESSAGES, SESSIONS, rcpt="fwd@bench.test")
        end = wait_until(lambda: sink.count() >= MESSAGES, LIMIT, "Mismo to relay everything")
        c1, s1 = m.cpu(), cpu_seconds(store.proc.pid)
        result = {
            "msg_s": MESSAGES / (end - start),
            "cpu_ms": {n: (c1[n] - c0[n]) * 1000 / MESSAGES for n in c1},
            "store_cpu_ms": (s1 - s0) * 1000 / MESSAGES,
            "rss_mb": dict(m.rss(), store=peak_rss_mb(store.proc.pid)),
        }
        m.stop()
        return result
    finally:
        store.stop()


def main():
    dns, dns_port = named({"far.test": ["@ IN A 127.0.0.2"]})
    sink = Sink()
    try:
        p = postfix(sink)
        sink.clear()
        e = mismo(sink, dns_port)
    finally:
        sink.stop()
        dns.terminate()
    ratio = e["msg_s"] / p["msg_s"]
    ours = sum(e["cpu_ms"].values())
    print(f"\nEnd to end: {MESSAGES} messages of 4 KB from smtp-source ({SESSIONS} sessions) through the MTA "
          f"to smtp-sink, counted at the sink, on {machine()}\n")
    table(["system", "msg/s at the sink", "CPU ms/msg (MTA)", "CPU ms/msg (store)", "peak RSS MB", "vs Postfix"], [
        ["Postfix 3.7 (relayhost)", f"{p['msg_s']:.0f}", f"{p['cpu_ms']:.2f}", "-", f"{p['rss_mb']:.0f} (all processes)", "1.00"],
        ["Mismo (smtp-engine + qprocessor)", f"{e['msg_s']:.0f}",
         f"{ours:.2f} (engine {e['cpu_ms']['smtp-engine']:.2f}, qprocessor {e['cpu_ms']['qprocessor']:.2f})",
         f"{e['store_cpu_ms']:.2f}",
         ", ".join(f"{n} {v:.0f}" for n, v in e["rss_mb"].items()), f"{ratio:.2f}"],
    ])
    save_result("end_to_end", {"postfix": p, "mismo": e, "ratio": ratio, "machine": machine()})


if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    main()
