#!/usr/bin/env bash
# Runs every benchmark, each against its reference in the same run, and
# prints their tables, then one summary table. Installs the reference servers
# (Postfix, Dovecot) and the embedded store first. Run as root: Postfix and
# Dovecot are started for the run and stopped after.
#
# Then measures 1,000 IMAP sessions in IDLE against Dovecot's (IDLE_SESSIONS)
# and what a hostile client can make imapd and pop3d spend, runs the load
# simulator (LOAD_CLIENTS, default 1000, for LOAD_SECONDS, default 120), times the admin console's lists at 100,000 mailboxes and
# webmail's list of a 50,000-message folder, and fuzzes each fuzz target for
# FUZZ_SECONDS (default 60) and prints its table; the run fails if a fuzzer
# found a crash.
#
#   bench/run.sh [MESSAGES] [POP3_MESSAGES] [IMAP_MESSAGES]   (defaults 20000, 1000, 5000)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

messages="${1:-20000}"
pop3_messages="${2:-1000}"
imap_messages="${3:-5000}"

scripts/deps.sh --bench
scripts/store.sh install
cargo build --release -q --workspace --bins
rm -rf bench/results

python3 bench/intake.py "$messages" 20
python3 bench/end_to_end.py "$messages"
python3 bench/local.py "$messages" 50
python3 bench/pop3.py "$pop3_messages"
python3 bench/imap.py "$imap_messages"
python3 bench/summary.py
# IMAP sessions in IDLE with nothing arriving: imapd against Dovecot.
python3 bench/idle.py "${IDLE_SESSIONS:-1000}" 10 5000 60
# What a hostile client can still make imapd and pop3d spend (no reference).
python3 bench/hostile.py 500
# mnm's load test: 1,000 clients through submission, POP3 and IMAP readers.
python3 bench/load.py "${LOAD_CLIENTS:-1000}" "${LOAD_SECONDS:-120}"
# The admin console's lists at 100,000 mailboxes (no reference to compare with).
cargo test --release -q -p admin-console --test scale -- --ignored --nocapture
# imapd's per-process watches for 10,000 sessions, and a woken session's read
# of a 100,000-message folder (no reference either).
cargo test --release -q -p mismo-core --test watch_scale -- --ignored --nocapture
# Webmail's message list at 50,000 messages in one folder (no reference either).
cargo test --release -q -p webmail --test scale -- --ignored --nocapture
bench/fuzz.sh "${FUZZ_SECONDS:-60}"
