#!/usr/bin/env bash
# The embedded store (NX-27017, a MongoDB wire-protocol server on SQLite) for
# local runs and tests.
#
#   scripts/store.sh install      create .venv and install NX-27017 and the Python test peers (once)
#   scripts/store.sh start        start it in the background, data in $MISMO_DATA_DIR/store
#   scripts/store.sh run          run it in the foreground (what scripts/cluster.sh uses)
#   scripts/store.sh stop         stop the one started with start
#   scripts/store.sh status
#
# It listens where MONGODB_URI points (default 127.0.0.1:27017); settings come
# from the environment or ./.env like every Mismo binary.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
requirements="$root/scripts/python-requirements.txt"

load_env() {
    if [[ -f .env ]]; then
        # Real environment wins, as in the binaries.
        while IFS='=' read -r key value; do
            [[ "$key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
            [[ -n "${!key:-}" ]] || export "$key=$value"
        done < <(grep -E '^[A-Z_][A-Z0-9_]*=' .env)
    fi
    data_dir="${MISMO_DATA_DIR:-./data}/store"
    local uri="${MONGODB_URI:-mongodb://127.0.0.1:27017/?directConnection=true}"
    local hostport="${uri#mongodb://}"
    hostport="${hostport%%/*}"
    hostport="${hostport##*@}"
    host="${hostport%%:*}"
    port="${hostport##*:}"
    [[ "$port" != "$hostport" ]] || port=27017
}

install() {
    exec 9>"$root/.venv.lock"
    flock 9
    # Reinstall when the requirements change.
    local stamp="$venv/.requirements"
    if [[ -x "$venv/bin/nx-27017" ]] && cmp -s "$requirements" "$stamp"; then
        return 0
    fi
    if ! python3 -m venv "$venv" 2>/dev/null; then
        # Debian splits venv support into its own package.
        rm -rf "$venv"
        echo "store.sh: installing python3-venv" >&2
        as_root apt-get install -y python3-venv >&2
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
    echo "store.sh: $(grep -v '^#' "$requirements" | tr '\n' ' ')installed in $venv" >&2
}

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

nx_args() {
    mkdir -p "$data_dir"
    echo --data-dir "$data_dir" --host "$host" -p "$port" \
        --log-file "$data_dir/nx.log" --pid-file "$data_dir/nx.pid"
}

case "${1:-}" in
install)
    install
    ;;
run)
    install
    load_env
    # shellcheck disable=SC2046
    exec "$venv/bin/nx-27017" $(nx_args)
    ;;
start)
    install
    load_env
    # shellcheck disable=SC2046
    nohup "$venv/bin/nx-27017" $(nx_args) >/dev/null 2>&1 &
    echo $! >"$data_dir/nx.run.pid"
    for _ in $(seq 1 100); do
        if (echo >"/dev/tcp/$host/$port") 2>/dev/null; then
            echo "store.sh: NX-27017 listening on $host:$port, data in $data_dir"
            exit 0
        fi
        sleep 0.1
    done
    echo "store.sh: NX-27017 did not start; see $data_dir/nx.log" >&2
    exit 1
    ;;
stop)
    load_env
    if [[ -f "$data_dir/nx.run.pid" ]] && kill "$(cat "$data_dir/nx.run.pid")" 2>/dev/null; then
        rm -f "$data_dir/nx.run.pid"
        echo "store.sh: stopped"
    else
        echo "store.sh: not running" >&2
    fi
    ;;
status)
    load_env
    if (echo >"/dev/tcp/$host/$port") 2>/dev/null; then
        echo "store.sh: listening on $host:$port"
    else
        echo "store.sh: nothing listens on $host:$port"
        exit 1
    fi
    ;;
*)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
