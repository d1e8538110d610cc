"""mnm's load test on Mismo: mismo-loadsim's clients against a cluster of
one smtp-engine, one qprocessor, one pop3d and one imapd on the embedded
store, on this machine. Prints the simulator's table; writes its plot to
bench/results/load.png.

usage: python3 bench/load.py [CLIENTS] [SECONDS] [TIME_SCALE]   (defaults 1000, 120, 1)

At mnm's own pace (TIME_SCALE 1) a thousand clients offer some 65 messages
and 870 copies a second; what the cluster cannot deliver at once queues, and
the run waits (up to 30 minutes) until every copy is read.

No reference program runs this cycle (mnm's own figures came from its own
protocol on other hardware), so the figures are absolute; the table names
the machine.
"""
import os
import subprocess
import sys

from lib import BIN, Mismo, Store, machine

CLIENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 120
SCALE = float(sys.argv[3]) if len(sys.argv) > 3 else 1


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(out, exist_ok=True)
    store = Store()
    try:
        mismo = Mismo(store, SMTP_MAX_CLIENTS=str(CLIENTS + 100), QUEUE_CYCLE_PERIOD="1")
        for name in ("smtp-engine", "qprocessor", "pop3d", "imapd"):
            mismo.start(name)
        processes = [arg for name, p in mismo.procs.items() for arg in ("--process", f"{name}={p.pid}")]
        processes += ["--other-process", f"store={store.proc.pid}"]
        print(f"## Load: {CLIENTS} clients for {SECONDS} s, pauses scaled 1/{SCALE:g}; {machine()}")
        result = subprocess.run(
            [f"{BIN}/mismo-loadsim", "--setup", "--clients", str(CLIENTS), "--duration", str(SECONDS),
             "--time-scale", str(SCALE), "--drain-limit", "1800", "--spread-sources", "--plot", os.path.join(out, "load.png"),
             "--submission", f"127.0.0.1:{mismo.port('SMTP_SUBMISSION_LISTEN')}",
             "--pop3", f"127.0.0.1:{mismo.port('POP3_LISTEN')}",
             "--imap", f"127.0.0.1:{mismo.port('IMAP_LISTEN')}", *processes],
            env=store.env, check=False)
        if result.returncode != 0:
            sys.exit(f"the load run failed (exit {result.returncode})")
    finally:
        store.stop()


if __name__ == "__main__":
    main()
