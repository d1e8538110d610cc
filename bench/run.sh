#!/usr/bin/env bash
# Runs every benchmark and prints their tables. Installs the reference servers
# (Postfix, Dovecot) and the embedded store first. Run as root: Postfix and
# Dovecot are started for the run and stopped after.
#
#   bench/run.sh [SMTP_MESSAGES] [QUEUE_MESSAGES] [POP3_MESSAGES]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh --bench
scripts/store.sh install
cargo build --release -q --workspace --bins

python3 bench/smtp_intake.py "${1:-20000}" 20
python3 bench/qprocessor.py "${2:-2000}"
python3 bench/pop3.py "${3:-1000}"
