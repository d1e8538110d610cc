#!/usr/bin/env bash
# Fetches the one front-end library the web apps use, htmx, from npm (pinned,
# checked by npm against the registry's integrity hash) into
# admin-console/static/vendor/ and webmail/static/vendor/, where the builds
# embed it. The tarball is
# cached outside the work tree. Without it the pages work as they are, with
# full page loads instead of in-place updates.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=2.0.11
cache="${MISMO_CACHE:-$HOME/.cache/mismo}/npm"
targets=(admin-console/static/vendor/htmx.min.js webmail/static/vendor/htmx.min.js)

fresh=1
for target in "${targets[@]}"; do
    [[ -f "$target" && "$(cat "$target.version" 2>/dev/null)" == "$version" ]] || fresh=0
done
[[ $fresh -eq 1 ]] && exit 0
if ! command -v npm >/dev/null; then
    echo "assets: npm is missing (scripts/deps.sh installs it); the pages run without htmx" >&2
    exit 0
fi
mkdir -p "$cache"
tarball="$cache/htmx.org-$version.tgz"
if [[ ! -f "$tarball" ]]; then
    echo "assets: fetching htmx.org@$version from npm" >&2
    (cd "$cache" && npm pack --silent "htmx.org@$version" >/dev/null)
fi
for target in "${targets[@]}"; do
    mkdir -p "$(dirname "$target")"
    tar -xzf "$tarball" -O package/dist/htmx.min.js > "$target.tmp"
    mv "$target.tmp" "$target"
    echo "$version" > "$target.version"
done
