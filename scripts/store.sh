#!/usr/bin/env bash
# The embedded store for local runs and tests: SecantusDB's `secantusd-rs`, a
# MongoDB wire-protocol server on WiredTiger, run as its own process (it is
# GPL-2.0 and never linked into Mismo).
#
#   scripts/store.sh install      build the server once into the cache, and the Python test peers into .venv
#   scripts/store.sh bin          print the server's path (installing it first if needed)
#   scripts/store.sh start        start it in the background, data in $MISMO_DATA_DIR/store
#   scripts/store.sh run          run it in the foreground (what scripts/cluster.sh uses)
#   scripts/store.sh stop         stop the one started with start
#   scripts/store.sh status
#
# The build takes minutes, so it lands in a cache outside the work tree, keyed
# by version ($MISMO_CACHE_DIR, default ~/.cache/mismo), and is reused by every
# clone. It listens where MONGODB_URI points (default 127.0.0.1:27017);
# settings come from the environment or ./.env like every Mismo binary.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
requirements="$root/scripts/python-requirements.txt"

store_version="0.5.3-beta.196"
cache="${MISMO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mismo}"
store_root="$cache/secantusd-rs-$store_version"
store_bin="$store_root/bin/secantusd-rs"
# The WiredTiger cache defaults to 4G; a development store needs far less.
store_cache_size="${MISMO_STORE_CACHE_SIZE:-256M}"

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
    hostport="${hostport%%\?*}"
    hostport="${hostport##*@}"
    host="${hostport%%:*}"
    port="${hostport##*:}"
    [[ "$port" != "$hostport" ]] || port=27017
}

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

install_server() {
    [[ -x "$store_bin" ]] && return 0
    mkdir -p "$cache"
    exec 8>"$cache/.secantusd-rs.lock"
    flock 8
    [[ -x "$store_bin" ]] && return 0
    if ! command -v cmake >/dev/null; then
        # WiredTiger's build needs it.
        echo "store.sh: installing cmake" >&2
        DEBIAN_FRONTEND=noninteractive as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq cmake >/dev/null
    fi
    echo "store.sh: building secantusd-rs $store_version into $store_root (once; several minutes)" >&2
    # Built aside and renamed into place, so a half-built server is never used.
    local tmp="$store_root.partial"
    rm -rf "$tmp"
    # The crate declares a newer Rust than it needs; the version is pinned
    # because later betas may really need one.
    cargo install secantus-mdb --version "$store_version" --locked --ignore-rust-version \
        --root "$tmp" --quiet
    rm -rf "$store_root"
    mv "$tmp" "$store_root"
    echo "store.sh: secantusd-rs installed at $store_bin" >&2
}

install_venv() {
    exec 9>"$root/.venv.lock"
    flock 9
    # Reinstall when the requirements change.
    local stamp="$venv/.requirements"
    if [[ -x "$venv/bin/python" ]] && cmp -s "$requirements" "$stamp"; then
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

server_args() {
    mkdir -p "$data_dir"
    # --sync-on-commit: a journaled write is on disk before it is acknowledged.
    echo --host "$host" --port "$port" --storage-path "$data_dir" \
        --sync-on-commit --cache-size "$store_cache_size"
}

case "${1:-}" in
install)
    install_server
    install_venv
    ;;
bin)
    install_server
    echo "$store_bin"
    ;;
run)
    install_server
    load_env
    # shellcheck disable=SC2046
    exec "$store_bin" $(server_args)
    ;;
start)
    install_server
    load_env
    # shellcheck disable=SC2046
    nohup "$store_bin" $(server_args) >"$data_dir/../store.log" 2>&1 &
    echo $! >"$data_dir/../store.pid"
    for _ in $(seq 1 200); do
        if (echo >"/dev/tcp/$host/$port") 2>/dev/null; then
            echo "store.sh: secantusd-rs listening on $host:$port, data in $data_dir"
            exit 0
        fi
        sleep 0.1
    done
    echo "store.sh: secantusd-rs did not start; see $data_dir/../store.log" >&2
    exit 1
    ;;
stop)
    load_env
    pidfile="$data_dir/../store.pid"
    if [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null; then
        rm -f "$pidfile"
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
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
