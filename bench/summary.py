"""The table users compare MTAs by, from the figures each benchmark saved."""
import json
import os

from lib import ROOT, table

D = os.path.join(ROOT, "bench/results")


def load(name):
    with open(os.path.join(D, f"{name}.json")) as f:
        return json.load(f)


def ours(cpu):
    return sum(cpu.values()) if isinstance(cpu, dict) else cpu


def rss(r):
    """Peak RSS: every Mismo process and the store by name; the reference's
    processes summed (Postfix and Dovecot run many small ones)."""
    m = ", ".join(f"{n} {v:.0f}" for n, v in r["mismo"]["rss_mb"].items())
    ref = r.get("postfix", r.get("dovecot"))
    return f"{ref['rss_mb']:.0f} / {m}"


def main():
    intake, e2e, local, pop3, imap = (load(n) for n in ("intake", "end_to_end", "local", "pop3", "imap"))
    rows = []
    for label, r, ref, target in [
        ("intake (smtp-source, 20 sessions, 4 KB)", intake, "Postfix, discard", "1.5x"),
        ("end to end, at the sink (smtp-sink)", e2e, "Postfix, relayhost", "1.0x"),
        ("local delivery into a mailbox", local, "Postfix, virtual(8) Maildir", "-"),
    ]:
        rows.append([label, ref, f"{r['postfix']['msg_s']:.0f}", f"{r['mismo']['msg_s']:.0f}", f"{r['ratio']:.2f}x",
                     target, f"{r['postfix']['cpu_ms']:.2f}", f"{ours(r['mismo']['cpu_ms']):.2f}",
                     f"{r['mismo']['store_cpu_ms']:.2f}", rss(r)])
    rows.append(["POP3 RETR, one session, 1,000 x 4 KB", "Dovecot, Maildir", f"{pop3['dovecot']['msg_s']:.0f}",
                 f"{pop3['mismo']['msg_s']:.0f}", f"{pop3['ratio']:.2f}x", "1.0x", f"{pop3['dovecot']['cpu_ms']:.2f}",
                 f"{pop3['mismo']['cpu_ms']:.2f}", f"{pop3['mismo']['store_cpu_ms']:.2f}", rss(pop3)])
    n = imap["messages"]
    for key, label in [("mbsync", f"IMAP mbsync from empty, {n:,} x 4 KB"),
                       ("envelopes", f"IMAP FETCH 1:* (ENVELOPE), {n:,}"),
                       ("search", f"IMAP SEARCH HEADER, {n:,}")]:
        r = imap[key]
        rows.append([label, "Dovecot, Maildir", f"{r['dovecot']['msg_s']:.0f}", f"{r['mismo']['msg_s']:.0f}",
                     f"{r['ratio']:.2f}x", "1.0x", f"{r['dovecot']['cpu_ms']:.3f}", f"{r['mismo']['cpu_ms']:.3f}",
                     "-", f"{imap['rss_mb']['dovecot']:.0f} / imapd {imap['rss_mb']['imapd']:.0f}, "
                          f"store {imap['rss_mb']['store']:.0f}"])
    print(f"\nSummary, {intake['machine']}; all figures from this run\n")
    table(["benchmark", "reference", "reference msg/s", "Mismo msg/s", "Mismo / reference", "target",
           "reference CPU ms/msg", "Mismo CPU ms/msg", "store CPU ms/msg",
           "peak RSS MB, reference / Mismo"], rows)
    m = intake["mismo"]
    print(f"\nintake latency, end of DATA to 250 at {m['latency_rate']:.0f} msg/s (half the peak): "
          f"p50 {m['p50_ms']:.1f} ms, p99 {m['p99_ms']:.1f} ms (target: p99 under 20 ms)")
    lm = local["mismo"]
    print(f"local delivery, 250 to readable over POP3 at light load: p50 {lm['p50_ms']:.0f} ms, "
          f"p99 {lm['p99_ms']:.0f} ms (target: p50 under 100 ms); Postfix to its Maildir: "
          f"p50 {local['postfix']['p50_ms']:.0f} ms, p99 {local['postfix']['p99_ms']:.0f} ms")


if __name__ == "__main__":
    main()
