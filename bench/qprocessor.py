"""qprocessor delivery throughput: local mailboxes, and relay to smtp-sink.

usage: python3 bench/qprocessor.py [MESSAGES]   (default 2000)

Messages of 4 KB are loaded through smtp-engine with Postfix's smtp-source
while no qprocessor runs; then one qprocessor is started and timed until the
queue is drained. Relay goes to smtp-sink on 127.0.0.2 found through BIND9.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

from lib import ROOT, Store, cpu_seconds, free_port, machine, table, wait_port

MESSAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
BIN = os.path.join(ROOT, "target/release")


def named():
    d = tempfile.mkdtemp(prefix="mismo-bench-dns-")
    port = free_port()
    with open(f"{d}/zone", "w") as f:
        f.write("$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.1\n@ IN A 127.0.0.2\n")
    with open(f"{d}/named.conf", "w") as f:
        f.write(f'controls {{ }};\noptions {{ directory "{d}"; pid-file "{d}/named.pid"; listen-on port {port} {{ 127.0.0.1; }}; '
                f'listen-on-v6 {{ none; }}; recursion no; allow-query {{ 127.0.0.0/8; }}; dnssec-validation no; }};\n'
                f'zone "sink.test" {{ type primary; file "{d}/zone"; }};\n')
    args = ["/usr/sbin/named", "-g", "-c", f"{d}/named.conf"] + (["-u", "root"] if os.geteuid() == 0 else [])
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


def sink(port):
    d = tempfile.mkdtemp(prefix="mismo-bench-sink-")
    args = ["/usr/sbin/smtp-sink"] + (["-u", "nobody"] if os.geteuid() == 0 else []) + [f"127.0.0.2:{port}", "200"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, host="127.0.0.2")
    return proc


def delivered(store):
    out = subprocess.run([f"{BIN}/mismoctl", "--json", "queue", "stats"], env=store.env,
                         capture_output=True, text=True, check=True).stdout
    return {r["state"]: r["messages"] for r in json.loads(out)}


def run(store, env, rcpt, total_before):
    smtp = free_port()
    engine_env = dict(env, SMTP_LISTEN=f"127.0.0.1:{smtp}", SMTP_SUBMISSION_LISTEN=f"127.0.0.1:{free_port()}",
                      SMTPS_LISTEN=f"127.0.0.1:{free_port()}", SMTP_STATUS_LISTEN=f"127.0.0.1:{free_port()}",
                      SMTP_MAX_CLIENTS_PER_HOST="1000")
    engine = subprocess.Popen([f"{BIN}/smtp-engine"], env=engine_env)
    wait_port(smtp)
    subprocess.run(["/usr/sbin/smtp-source", "-s", "20", "-m", str(MESSAGES), "-l", "4096",
                    "-f", "a@x.test", "-t", rcpt, f"127.0.0.1:{smtp}"], check=True)
    engine.terminate()
    engine.wait()
    q = subprocess.Popen([f"{BIN}/qprocessor"], env=env)
    start = time.time()
    c0 = cpu_seconds(q.pid)
    while delivered(store).get("DELIVERED", 0) < total_before + MESSAGES:
        time.sleep(0.2)
    seconds = time.time() - start
    cpu = cpu_seconds(q.pid) - c0
    q.terminate()
    q.wait()
    return seconds, cpu


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "--workspace", "--bins"], cwd=ROOT, check=True)
    dns, dns_port = named()
    relay_port = free_port()
    smtp_sink = sink(relay_port)
    store = Store()
    try:
        store.ctl("domain", "add", "bench.test")
        store.ctl("mailbox", "add", "u@bench.test", "--password-stdin", stdin="bench password\n")
        store.ctl("alias", "add", "r@bench.test", "x@sink.test")
        env = dict(store.env, MISMO_HOSTNAME="mx.bench.test", DNS_RESOLVER=f"127.0.0.1:{dns_port}",
                   RELAY_PORT=str(relay_port), QUEUE_CYCLE_PERIOD="1")
        local_sec, local_cpu = run(store, env, "u@bench.test", 0)
        relay_sec, relay_cpu = run(store, env, "r@bench.test", MESSAGES)
    finally:
        store.stop()
        smtp_sink.terminate()
        dns.terminate()
    print(f"\nqprocessor: {MESSAGES} messages of 4 KB per run, one qprocessor (QPROCESSOR_CONCURRENCY=64), on {machine()}\n")
    table(["delivery", "msg/s", "qprocessor CPU ms/msg"], [
        ["local mailbox", f"{MESSAGES / local_sec:.0f}", f"{local_cpu * 1000 / MESSAGES:.2f}"],
        ["relay to smtp-sink (alias to a remote address)", f"{MESSAGES / relay_sec:.0f}", f"{relay_cpu * 1000 / MESSAGES:.2f}"],
    ])


if __name__ == "__main__":
    main()
