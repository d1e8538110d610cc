"""Shared pieces of Mismo's benchmarks: processes, CPU accounting, the store."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, host="127.0.0.1", limit=30):
    end = time.time() + limit
    while time.time() < end:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port}")


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


class Store:
    """A fresh NX-27017 on a free port."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mismo-bench-")
        self.port = free_port()
        nx = os.path.join(ROOT, ".venv/bin/nx-27017")
        if not os.path.exists(nx):
            subprocess.check_call(["bash", os.path.join(ROOT, "scripts/store.sh"), "install"])
        self.proc = subprocess.Popen(
            [nx, "--data-dir", self.dir, "--host", "127.0.0.1", "-p", str(self.port),
             "--log-file", f"{self.dir}/nx.log", "--pid-file", f"{self.dir}/nx.pid"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        self.env = dict(os.environ,
                        MONGODB_URI=f"mongodb://127.0.0.1:{self.port}/?directConnection=true",
                        MONGODB_DB="bench", MISMO_DATA_DIR=self.dir, RUST_LOG="warn")

    def ctl(self, *args, stdin=None):
        subprocess.run([os.path.join(ROOT, "target/release/mismoctl"), *args], env=self.env,
                       input=stdin, text=True, check=True, stdout=subprocess.DEVNULL)

    def stop(self):
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
