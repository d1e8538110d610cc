#!/usr/bin/env bash
# Builds Mismo and runs the whole cluster on the embedded store, in the
# foreground: every process logs to this terminal, tagged with its name, and
# Ctrl-C stops all of them cleanly (services first, then the store).
#
# Settings come from the environment and ./.env (see .env.example); the
# defaults work for a local run by a non-root user. MISMO_PROFILE=dev runs
# unoptimised binaries (quicker to build; what the test suite's smoke test uses).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

services=(smtp-engine qprocessor pop3d imapd admin-console webmail)

profile="${MISMO_PROFILE:-release}"
case "$profile" in
release) bin_dir="${CARGO_TARGET_DIR:-target}/release" ;;
dev) bin_dir="${CARGO_TARGET_DIR:-target}/debug" ;;
*) echo "cluster: MISMO_PROFILE must be release or dev" >&2; exit 2 ;;
esac
scripts/assets.sh
echo "cluster: building ($profile)..." >&2
cargo build --profile "$profile" --workspace --bins

scripts/store.sh install

pids=()
store_pid=
stop_all() {
    trap - INT TERM
    echo "cluster: stopping..." >&2
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ -n "$store_pid" ]]; then
        kill -TERM "$store_pid" 2>/dev/null || true
        wait "$store_pid" 2>/dev/null || true
    fi
    echo "cluster: stopped" >&2
    exit 0
}
trap stop_all INT TERM

# The store: its console is chatty (a line per command), so it goes to a file.
data_dir="${MISMO_DATA_DIR:-$(grep -E '^MISMO_DATA_DIR=' .env 2>/dev/null | cut -d= -f2- || true)}"
data_dir="${data_dir:-./data}"
mkdir -p "$data_dir"
scripts/store.sh run >"$data_dir/store.console.log" 2>&1 &
store_pid=$!
echo "cluster: secantusd-rs started (console in $data_dir/store.console.log)" >&2
uri="${MONGODB_URI:-$(grep -E '^MONGODB_URI=' .env 2>/dev/null | cut -d= -f2- || true)}"
uri="${uri:-mongodb://127.0.0.1:27017/}"
hostport="${uri#mongodb://}"; hostport="${hostport%%/*}"; hostport="${hostport##*@}"
for _ in $(seq 1 100); do
    (echo >"/dev/tcp/${hostport%%:*}/${hostport##*:}") 2>/dev/null && break
    sleep 0.1
done

for svc in "${services[@]}"; do
    "$bin_dir/$svc" &
    pids+=($!)
done
echo "cluster: running ${services[*]} (Ctrl-C stops everything)" >&2
# Wait until every service has exited (or a signal arrives).
for pid in "${pids[@]}"; do wait "$pid" || true; done
# Keep the store up for mismoctl while the services run; once they are gone,
# wait on the store, which Ctrl-C ends.
wait "$store_pid"
