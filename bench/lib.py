"""Shared pieces of Mismo's benchmarks: processes, CPU and memory accounting,
the store, Mismo's services, BIND9, smtp-sink and Postfix set up as a reference."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICK = os.sysconf("SC_CLK_TCK")

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from ports import free_port  # noqa: E402  (below the ephemeral range, see there)


def wait_port(port, host="127.0.0.1", limit=30):
    end = time.time() + limit
    while time.time() < end:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port}")


def wait_greeting(port, refusal, limit=30):
    """Waits until a server on `port` greets with something other than `refusal`."""
    wait_port(port, limit=limit)
    deadline = time.time() + limit
    while time.time() < deadline:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            if not s.recv(512).startswith(refusal):
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} never served")


def cpu_seconds(pid, children=False):
    """utime+stime of a process (and of its waited-for children)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    total = int(fields[11]) + int(fields[12])
    if children:
        total += int(fields[13]) + int(fields[14])
    return total / TICK


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def tree_cpu(root_pid):
    """CPU of a process, its exited children, and its live children."""
    total = cpu_seconds(root_pid, children=True)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid == root_pid:
                total += cpu_seconds(int(pid))
        except (OSError, ValueError):
            pass
    return total


def store_binary():
    return subprocess.check_output(["bash", os.path.join(ROOT, "scripts/store.sh"), "bin"],
                                   text=True).strip()


class Store:
    """A fresh secantusd-rs, durable as in production (--sync-on-commit)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mismo-bench-")
        self.port = free_port()
        os.makedirs(f"{self.dir}/store")
        self.proc = subprocess.Popen(
            [store_binary(), "--host", "127.0.0.1", "--port", str(self.port),
             "--storage-path", f"{self.dir}/store", "--sync-on-commit", "--cache-size", "512M"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        # Services started on this store: stopped with it, even when a benchmark fails.
        self.services = []
        self.env = dict(os.environ,
                        MONGODB_URI=f"mongodb://127.0.0.1:{self.port}/?directConnection=true",
                        MONGODB_DB="bench", MISMO_DATA_DIR=self.dir, RUST_LOG="warn")

    def ctl(self, *args, stdin=None):
        subprocess.run([os.path.join(ROOT, "target/release/mismoctl"), *args], env=self.env,
                       input=stdin, text=True, check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        for service in self.services:
            service.stop()
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def table(headers, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for l in f:
            if l.startswith("model name"):
                model = l.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({model}), {mem:.0f} GiB"


BIN = os.path.join(ROOT, "target/release")


def tree_pids(root_pid):
    """A process and all its descendants."""
    children = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(pid))
        except (OSError, ValueError):
            pass
    out, todo = [], [root_pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_rss_mb(root_pid):
    """Peak RSS (VmHWM) added up over a process tree, for the references'
    many processes."""
    total = 0.0
    for pid in tree_pids(root_pid):
        try:
            total += peak_rss_mb(pid)
        except OSError:
            pass
    return total


class Mismo:
    """Mismo's services on one store, each on ports of its own."""

    LISTENERS = ("SMTP_LISTEN", "SMTP_SUBMISSION_LISTEN", "SMTPS_LISTEN", "SMTP_STATUS_LISTEN",
                 "POP3_LISTEN", "POP3S_LISTEN", "IMAP_LISTEN", "IMAPS_LISTEN")

    def __init__(self, store, **settings):
        self.store = store
        self.ports = {k: free_port() for k in self.LISTENERS}
        defaults = dict(MISMO_HOSTNAME="mx.bench.test", SMTP_MAX_CLIENTS_PER_HOST="1000",
                        QUEUE_CYCLE_PERIOD="30", POP3_ALLOW_PLAINTEXT_AUTH="yes",
                        IMAP_ALLOW_PLAINTEXT_AUTH="yes")
        # Settings given here win over the defaults above.
        self.env = dict(store.env, **{k: f"127.0.0.1:{p}" for k, p in self.ports.items()},
                        **dict(defaults, **settings))
        self.procs = {}
        store.services.append(self)

    def start(self, name):
        proc = subprocess.Popen([f"{BIN}/{name}"], env=self.env)
        self.procs[name] = proc
        ready = {"smtp-engine": ("SMTP_LISTEN", b"421"), "pop3d": ("POP3_LISTEN", b"-ERR"),
                 "imapd": ("IMAP_LISTEN", b"* BYE")}.get(name)
        if ready:
            # Until the store answers, the ports only refuse (421, -ERR, BYE).
            wait_greeting(self.ports[ready[0]], ready[1])
        return proc

    def port(self, listener):
        return self.ports[listener]

    def cpu(self):
        return {n: cpu_seconds(p.pid) for n, p in self.procs.items()}

    def rss(self):
        return {n: peak_rss_mb(p.pid) for n, p in self.procs.items()}

    def stop(self, name=None):
        for n in ([name] if name else list(self.procs)):
            p = self.procs.pop(n)
            p.terminate()
            p.wait()


def named(zones):
    """BIND9 serving `zones` ({name: records}); returns (process, port)."""
    d = tempfile.mkdtemp(prefix="mismo-bench-dns-")
    port = free_port()
    conf = [f'controls {{ }};\noptions {{ directory "{d}"; pid-file "{d}/named.pid"; listen-on port {port} '
            f'{{ 127.0.0.1; }}; listen-on-v6 {{ none; }}; recursion no; allow-query {{ 127.0.0.0/8; }}; '
            f'dnssec-validation no; }};']
    for name, records in zones.items():
        with open(f"{d}/{name}.zone", "w") as f:
            f.write("$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.1\n")
            f.write("\n".join(records) + "\n")
        conf.append(f'zone "{name}" {{ type primary; file "{d}/{name}.zone"; }};')
    with open(f"{d}/named.conf", "w") as f:
        f.write("\n".join(conf) + "\n")
    args = ["/usr/sbin/named", "-g", "-c", f"{d}/named.conf"] + (["-u", "root"] if os.geteuid() == 0 else [])
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


class Sink:
    """Postfix's smtp-sink on 127.0.0.2, writing each message it takes to a
    file, so what arrived can be counted."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="mismo-bench-sink-")
        os.chmod(self.dir, 0o777)
        args = ["/usr/sbin/smtp-sink"] + (["-u", "nobody"] if os.geteuid() == 0 else []) + \
            ["-d", f"{self.dir}/%H%M%S.", f"127.0.0.2:{self.port}", "256"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, host="127.0.0.2")

    def count(self):
        return len(os.listdir(self.dir))

    def clear(self):
        for f in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, f))

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Postfix:
    """Postfix 3.7 as the reference, configured for one run on a port of its
    own (no chroot), its configuration restored afterwards. Run as root."""

    def __init__(self, **main_cf):
        self.saved = tempfile.mkdtemp(prefix="mismo-bench-postfix-")
        for f in ("main.cf", "master.cf"):
            shutil.copy(f"/etc/postfix/{f}", f"{self.saved}/{f}")
        self.port = free_port()
        subprocess.run(["postfix", "stop"], capture_output=True)
        settings = {"inet_interfaces": "127.0.0.1", "inet_protocols": "ipv4", "myhostname": "mx.bench.test",
                    "mynetworks": "127.0.0.0/8", "local_recipient_maps": "",
                    "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
                    "smtpd_recipient_restrictions": "permit_mynetworks, reject_unauth_destination",
                    "maillog_file": "/var/log/postfix-bench.log", "default_process_limit": "200"}
        settings.update(main_cf)
        subprocess.run(["postconf", "-e"] + [f"{k} = {v}" for k, v in settings.items()], check=True)
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
        lines.append(f"127.0.0.1:{self.port} inet n - n - - smtpd\n")
        with open("/etc/postfix/master.cf", "w") as f:
            f.writelines(lines)
        subprocess.run(["script", "-qc", "postfix start", "/dev/null"], check=True, capture_output=True)
        wait_port(self.port)
        with open("/var/spool/postfix/pid/master.pid") as f:
            self.master = int(f.read().strip())

    def cpu(self):
        return tree_cpu_all(self.master)

    def rss(self):
        return tree_rss_mb(self.master)

    def stop(self):
        subprocess.run(["postfix", "stop"], capture_output=True)
        for f in ("main.cf", "master.cf"):
            shutil.copy(f"{self.saved}/{f}", f"/etc/postfix/{f}")
        shutil.rmtree(self.saved, ignore_errors=True)


def tree_cpu_all(root_pid):
    """CPU of a whole process tree: every live descendant, and what exited
    children left with their parents."""
    return sum(cpu_seconds(p, children=True) for p in tree_pids(root_pid) if os.path.exists(f"/proc/{p}"))


def smtp_source(port, messages, sessions=20, rcpt="u@bench.test", size=4096):
    """Postfix's smtp-source as the load; returns the seconds it took."""
    start = time.time()
    subprocess.run(["/usr/sbin/smtp-source", "-s", str(sessions), "-m", str(messages), "-l", str(size),
                    "-f", "a@x.test", "-t", rcpt, f"127.0.0.1:{port}"], check=True)
    return time.time() - start


def wait_until(predicate, limit, what, interval=0.05):
    end = time.time() + limit
    while not predicate():
        if time.time() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(interval)
    return time.time()


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def save_result(name, result):
    """Each benchmark leaves its figures for bench/run.sh's summary."""
    import json
    d = os.path.join(ROOT, "bench/results")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"{name}.json"), "w") as f:
        json.dump(result, f, indent=1)
