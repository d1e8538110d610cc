#!/usr/bin/env bash
# Fetches the one front-end library the web apps use, htmx, from npm (pinned,
# checked by npm against the registry's integrity hash) into
# admin-console/static/vendor/, where the build embeds it. The tarball is
# cached outside the work tree. Without it the pages work as they are, with
# full page loads instead of in-place updates.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=2.0.11
cache="${MISMO_CACHE:-$HOME/.cache/mismo}/npm"
target=admin-console/static/vendor/htmx.min.js
stamp="$target.version"

if [[ -f "$target" && "$(cat "$stamp" 2>/dev/null)" == "$version" ]]; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    echo "assets: npm is missing (scripts/deps.sh installs it); the pages run without htmx" >&2
    exit 0
fi
mkdir -p "$cache" "$(dirname "$target")"
tarball="$cache/htmx.org-$version.tgz"
if [[ ! -f "$tarball" ]]; then
    echo "assets: fetching htmx.org@$version from npm" >&2
    (cd "$cache" && npm pack --silent "htmx.org@$version" >/dev/null)
fi
tar -xzf "$tarball" -O package/dist/htmx.min.js > "$target.tmp"
mv "$target.tmp" "$target"
echo "$version" > "$stamp"
