"""smtp-engine intake against Postfix, with Postfix's smtp-source as the load.

usage: python3 bench/smtp_intake.py [MESSAGES] [SESSIONS]   (defaults 20000, 20)

Both receive the same load in the same run: MESSAGES messages of 4 KB over
SESSIONS parallel sessions. Postfix runs with the discard transport (it queues
to disk, then throws away); smtp-engine stores every message in the embedded
store. Run as root (Postfix is configured and started for the run, then its
configuration is restored).
"""
import os
import shutil
import subprocess
import sys
import time

from lib import ROOT, Store, free_port, machine, peak_rss_mb, table, tree_cpu, wait_port, cpu_seconds

MESSAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
SESSIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 20


def load(port, rcpt):
    start = time.time()
    subprocess.run(["/usr/sbin/smtp-source", "-s", str(SESSIONS), "-m", str(MESSAGES), "-l", "4096",
                    "-f", "a@x.test", "-t", rcpt, f"127.0.0.1:{port}"], check=True)
    return time.time() - start


def bench_engine():
    store = Store()
    try:
        store.ctl("domain", "add", "bench.test")
        store.ctl("mailbox", "add", "u@bench.test", "--password-stdin", stdin="bench password\n")
        ports = {k: free_port() for k in ("SMTP_LISTEN", "SMTP_SUBMISSION_LISTEN", "SMTPS_LISTEN", "SMTP_STATUS_LISTEN")}
        env = dict(store.env, MISMO_HOSTNAME="mx.bench.test", SMTP_MAX_CLIENTS_PER_HOST="1000",
                   **{k: f"127.0.0.1:{p}" for k, p in ports.items()})
        engine = subprocess.Popen([os.path.join(ROOT, "target/release/smtp-engine")], env=env)
        wait_port(ports["SMTP_STATUS_LISTEN"])
        wait_port(ports["SMTP_LISTEN"])
        e0, s0 = cpu_seconds(engine.pid), cpu_seconds(store.proc.pid)
        seconds = load(ports["SMTP_LISTEN"], "u@bench.test")
        e1, s1 = cpu_seconds(engine.pid), cpu_seconds(store.proc.pid)
        rss = peak_rss_mb(engine.pid)
        engine.terminate()
        engine.wait()
        return seconds, e1 - e0, s1 - s0, rss
    finally:
        store.stop()


def bench_postfix():
    saved = "/tmp/mismo-bench-postfix"
    os.makedirs(saved, exist_ok=True)
    for f in ("main.cf", "master.cf"):
        shutil.copy(f"/etc/postfix/{f}", f"{saved}/{f}")
    port = free_port()
    try:
        subprocess.run(["postfix", "stop"], capture_output=True)
        subprocess.run(["postconf", "-e", "inet_interfaces = 127.0.0.1", "inet_protocols = ipv4",
                        "mydestination = bench.test", "myhostname = mx.bench.test",
                        "local_transport = discard", "default_transport = discard",
                        "local_recipient_maps =", "mynetworks = 127.0.0.0/8",
                        "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination",
                        "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination",
                        "maillog_file = /var/log/postfix-bench.log", "default_process_limit = 200"], check=True)
        lines = []
        with open("/etc/postfix/master.cf") as f:
            for line in f:
                cols = line.split()
                if cols and not line.startswith((" ", "\t", "#")):
                    if cols[0] == "smtp" and cols[1] == "inet":
                        line = "#" + line
                    elif len(cols) >= 8 and cols[4] == "y":
                        cols[4] = "n"
                        line = "  ".join(cols) + "\n"
                lines.append(line)
        lines.append(f"127.0.0.1:{port} inet n - n - - smtpd\n")
        with open("/etc/postfix/master.cf", "w") as f:
            f.writelines(lines)
        subprocess.run(["script", "-qc", "postfix start", "/dev/null"], check=True, capture_output=True)
        wait_port(port)
        with open("/var/spool/postfix/pid/master.pid") as f:
            master = int(f.read().strip())
        c0 = tree_cpu(master)
        seconds = load(port, "u@bench.test")
        # Let qmgr/discard finish what was queued during the run.
        time.sleep(2)
        c1 = tree_cpu(master)
        return seconds, c1 - c0
    finally:
        subprocess.run(["postfix", "stop"], capture_output=True)
        for f in ("main.cf", "master.cf"):
            shutil.copy(f"{saved}/{f}", f"/etc/postfix/{f}")


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "smtp-engine", "-p", "mismoctl"], cwd=ROOT, check=True)
    p_sec, p_cpu = bench_postfix()
    e_sec, e_cpu, s_cpu, rss = bench_engine()
    print(f"\nsmtp intake: {MESSAGES} messages of 4 KB, {SESSIONS} sessions (smtp-source), on {machine()}\n")
    rows = [
        ["Postfix 3.7 (discard)", f"{MESSAGES / p_sec:.0f}", f"{p_cpu * 1000 / MESSAGES:.2f}", "-", "-", "1.00"],
        ["smtp-engine + NX-27017", f"{MESSAGES / e_sec:.0f}", f"{e_cpu * 1000 / MESSAGES:.2f}",
         f"{s_cpu * 1000 / MESSAGES:.2f}", f"{rss:.0f}", f"{p_sec / e_sec:.2f}"],
    ]
    table(["system", "msg/s", "CPU ms/msg (MTA)", "CPU ms/msg (store)", "peak RSS MB", "throughput vs Postfix"], rows)
    print(f"\nCPU per message, smtp-engine / Postfix (smtpd+cleanup+qmgr+discard): {e_cpu / p_cpu:.2f}")


if __name__ == "__main__":
    main()
