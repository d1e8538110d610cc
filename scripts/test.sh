#!/usr/bin/env bash
# Runs Mismo's whole test suite. Installs what the tests need first (Debian
# packages of the protocol peers, the embedded store), so it works on a fresh
# Debian 12 machine with only the Rust toolchain, python3 and apt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
scripts/store.sh install
scripts/assets.sh

echo "test: formatting and lints" >&2
cargo fmt --all -- --check
# The fuzz targets are a workspace of their own (bench/fuzz.sh builds them).
rustfmt --edition 2021 --check fuzz/fuzz_targets/*.rs
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "test: the Quick start cluster" >&2
scripts/cluster-smoke.sh

echo "test: the suite" >&2
cargo test --workspace --locked "$@"
