#!/usr/bin/env bash
# Fuzzes each target in fuzz/ for a bounded time and prints a table of
# executions, coverage and crashes. Built with cargo-fuzz (installed from
# crates.io if missing) on the stable toolchain: no sanitizer, since the code
# fuzzed is safe Rust, but with debug assertions and overflow checks (set in
# fuzz/Cargo.toml), so an arithmetic overflow is a crash as it is in a debug
# build.
#
# The corpus each run grows is kept outside the work tree, so later runs
# start where earlier ones stopped. A crash is copied to
# fuzz/regressions/TARGET/, where the crates' fuzz_regressions tests replay
# it from then on; commit it with its fix. Exits 1 if anything crashed.
#
#   bench/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"

seconds="${1:-60}"
corpus_root="${XDG_CACHE_HOME:-$HOME/.cache}/mismo/fuzz-corpus"
targets=(smtp_session pop3_session imap_command mime addresses)

if ! cargo fuzz --version > /dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi
cargo fuzz build -O --sanitizer none > /dev/null

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
failed=0
rows=()
for target in "${targets[@]}"; do
    rm -rf "artifacts/$target"
    mkdir -p "$corpus_root/$target" "artifacts/$target"
    status=ok
    if ! cargo fuzz run -O --sanitizer none "$target" \
        "$corpus_root/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 > "$logs/$target.log" 2>&1; then
        status=CRASH
        failed=1
    fi
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$target.log" | tail -1)"
    cov="$(grep -o 'cov: [0-9]*' "$logs/$target.log" | tail -1 | cut -d' ' -f2)"
    corpus="$(find "$corpus_root/$target" -type f | wc -l)"
    saved="$(find "artifacts/$target" -type f | wc -l)"
    if [ "$status" = CRASH ]; then
        mkdir -p "regressions/$target"
        find "artifacts/$target" -type f -exec cp {} "regressions/$target/" \;
        grep -m1 -A2 'panicked' "$logs/$target.log" >&2 || tail -5 "$logs/$target.log" >&2
        if [ "$saved" = 0 ]; then
            # A stack overflow kills the target before libFuzzer can save the
            # input (it has no stack left to do it on).
            cat >&2 <<HINT
$target died without saving its input (a stack overflow?). To catch it:
  cd fuzz && gdb -batch -ex run -ex 'frame function fuzzer::Fuzzer::ExecuteCallback' \\
    -ex 'dump binary memory regressions/$target/crash-new Data Data+Size' \\
    --args target/x86_64-unknown-linux-gnu/release/$target $corpus_root/$target
HINT
        fi
    fi
    rows+=("$(printf '%-14s %8s %12s %8s %8s %8s  %s' "$target" "${seconds}s" "${runs:-?}" \
        "${cov:-?}" "$corpus" "$saved" "$status")")
done

printf '\nFuzzing (cargo-fuzz, libFuzzer, %s s a target)\n' "$seconds"
printf '%-14s %8s %12s %8s %8s %8s  %s\n' target time executions edges corpus crashes result
printf '%s\n' "${rows[@]}"
if [ "$failed" = 1 ]; then
    echo "New crashes copied to fuzz/regressions/; cargo test replays them." >&2
fi
exit "$failed"
