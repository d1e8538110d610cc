#!/usr/bin/env python3
"""Ports for test and benchmark servers that nothing else can take.

A port from bind(0) lies in the ephemeral range, where any outgoing
connection may be given it before our server binds it. Ports below that range
are never handed out for outgoing connections; a lock file per port, held
while the caller runs, keeps concurrent runs apart (the Rust tests use the
same folder and scheme, see mismo-testkit/src/ports.rs).

As a program: `ports.py N` prints N ports, one a line, reserved while the
process whose pid is in $MISMO_PORTS_HOLDER (default: the parent) lives.
"""
import fcntl
import os
import socket
import sys
import tempfile
import time

FIRST, LAST = 20000, 32000
LOCK_DIR = os.path.join(tempfile.gettempdir(), "mismo-test-ports")
_held = []
_next = [((os.getpid() * 2654435761) % (LAST - FIRST))]


def _reserve(port):
    os.makedirs(LOCK_DIR, exist_ok=True)
    f = open(os.path.join(LOCK_DIR, f"{port}.lock"), "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return None
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            f.close()
            return None
    return f


def free_port():
    """A port reserved for as long as this process lives."""
    span = LAST - FIRST
    for _ in range(span):
        port = FIRST + _next[0] % span
        _next[0] += 1
        f = _reserve(port)
        if f is not None:
            _held.append(f)
            return port
    raise RuntimeError(f"no free port between {FIRST} and {LAST}")


if __name__ == "__main__":
    # For shell scripts: reserve, print, then keep the locks in a child that
    # lives as long as the caller.
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    holder = int(os.environ.get("MISMO_PORTS_HOLDER", os.getppid()))
    ports = [free_port() for _ in range(n)]
    print("\n".join(map(str, ports)), flush=True)
    # The caller reads until end of file: the holder below must not keep
    # standard output open.
    os.close(1)
    if os.fork() == 0:
        os.setsid()
        while True:
            try:
                os.kill(holder, 0)
            except OSError:
                break
            time.sleep(1)
    os._exit(0)
