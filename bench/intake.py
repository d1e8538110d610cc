"""SMTP intake against Postfix, with Postfix's smtp-source as the load.

usage: python3 bench/intake.py [MESSAGES] [SESSIONS]   (defaults 20000, 20)

Both receive the same load in the same run: MESSAGES messages of 4 KB over
SESSIONS parallel sessions. Postfix runs with the discard transport (it queues
to disk, then throws away); smtp-engine stores every message durably in the
embedded store. Then smtp-engine is offered half its measured peak rate and
the time from the end of each message's data to its 250 is taken. Run as root.
"""
import sys
import time

from latency import measure
from lib import Mismo, Postfix, Store, cpu_seconds, machine, peak_rss_mb, percentile, save_result, smtp_source, table

MESSAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
SESSIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 20


def postfix():
    pf = Postfix(mydestination="bench.test", local_transport="discard", default_transport="discard")
    try:
        c0 = pf.cpu()
        seconds = smtp_source(pf.port, MESSAGES, SESSIONS)
        # qmgr and discard finish what was queued during the run.
        time.sleep(2)
        return {"msg_s": MESSAGES / seconds, "cpu_ms": (pf.cpu() - c0) * 1000 / MESSAGES, "rss_mb": pf.rss()}
    finally:
        pf.stop()


def mismo():
    store = Store()
    try:
        store.ctl("domain", "add", "bench.test")
        store.ctl("mailbox", "add", "u@bench.test", "--password-stdin", stdin="bench password\n")
        m = Mismo(store)
        engine = m.start("smtp-engine")
        port = m.port("SMTP_LISTEN")
        e0, s0 = cpu_seconds(engine.pid), cpu_seconds(store.proc.pid)
        seconds = smtp_source(port, MESSAGES, SESSIONS)
        e1, s1 = cpu_seconds(engine.pid), cpu_seconds(store.proc.pid)
        peak = MESSAGES / seconds
        latencies, errors = measure(port, peak / 2, seconds=10, sessions=SESSIONS)
        result = {
            "msg_s": peak, "cpu_ms": (e1 - e0) * 1000 / MESSAGES, "store_cpu_ms": (s1 - s0) * 1000 / MESSAGES,
            "rss_mb": {"smtp-engine": peak_rss_mb(engine.pid), "store": peak_rss_mb(store.proc.pid)},
            "latency_rate": peak / 2, "latency_n": len(latencies), "latency_errors": len(errors),
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
        }
        m.stop()
        return result
    finally:
        store.stop()


def main():
    p = postfix()
    e = mismo()
    ratio = e["msg_s"] / p["msg_s"]
    print(f"\nSMTP intake: {MESSAGES} messages of 4 KB, {SESSIONS} sessions (smtp-source), on {machine()}\n")
    table(["system", "msg/s", "CPU ms/msg (MTA)", "CPU ms/msg (store)", "peak RSS MB", "vs Postfix"], [
        ["Postfix 3.7 (discard)", f"{p['msg_s']:.0f}", f"{p['cpu_ms']:.2f}", "-", f"{p['rss_mb']:.0f} (all processes)", "1.00"],
        ["Mismo smtp-engine", f"{e['msg_s']:.0f}", f"{e['cpu_ms']:.2f}", f"{e['store_cpu_ms']:.2f}",
         f"engine {e['rss_mb']['smtp-engine']:.0f}, store {e['rss_mb']['store']:.0f}", f"{ratio:.2f}"],
    ])
    print(f"\nend of DATA to 250 at {e['latency_rate']:.0f} msg/s (half the peak), {e['latency_n']} messages, "
          f"{e['latency_errors']} errors: p50 {e['p50_ms']:.1f} ms, p99 {e['p99_ms']:.1f} ms")
    save_result("intake", {"postfix": p, "mismo": e, "ratio": ratio, "machine": machine()})


if __name__ == "__main__":
    main()
