#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing: the peers nobody
# here wrote (BIND9, swaks, Postfix's smtp-source/smtp-sink, mpop, mbsync,
# offlineimap, fetchmail, neomutt, Chromium for the browser tests, HAProxy),
# npm and venv support, and a font for the load simulator's plot labels. With --bench, also the references the benchmarks compare with.
set -euo pipefail

packages=(bind9 bind9-utils dnsutils groff-base swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl libmail-srs-perl postfix mpop isync offlineimap3 fetchmail neomutt gpg python3-venv chromium haproxy fonts-dejavu-core)
# npm fetches htmx (scripts/assets.sh); a Node.js from elsewhere brings its own.
command -v npm >/dev/null || packages+=(npm)
if [[ "${1:-}" == "--bench" ]]; then
    packages+=(dovecot-pop3d dovecot-imapd openssl)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
