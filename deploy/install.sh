#!/usr/bin/env bash
# Installs Mismo on one machine, the bare-metal path: builds the binaries and
# the embedded store, creates the `mismo` user, installs the binaries, man
# pages, settings (/etc/mismo/mismo.env, production ports) and the sandboxed
# systemd units from deploy/systemd/, and starts everything. Run as root from
# a checkout; running it again upgrades the binaries and keeps the settings.
#
#   deploy/install.sh            build, install, enable and start
#   deploy/install.sh --no-start install only
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

start=yes
[[ "${1:-}" == "--no-start" ]] && start=no
if [[ $(id -u) -ne 0 ]]; then
    echo "install: run as root (it creates a user and installs systemd units)" >&2
    exit 1
fi

services=(smtp-engine qprocessor pop3d imapd admin-console webmail)

echo "install: building (release)..." >&2
scripts/store.sh install
scripts/assets.sh
cargo build --release --locked --workspace --bins

if ! id mismo >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/mismo --create-home --shell /usr/sbin/nologin mismo
fi
install -d -m 0750 -o mismo -g mismo /var/lib/mismo /var/lib/mismo/store
install -d -m 0755 /usr/local/lib/mismo /etc/mismo
for s in "${services[@]}" mismoctl; do
    install -m 0755 "target/release/$s" /usr/local/bin/
done
install -m 0755 "$(scripts/store.sh bin)" /usr/local/lib/mismo/secantusd
target/release/mismoctl man /usr/local/share/man >/dev/null

# Settings: the documented defaults with the well-known ports; kept on upgrade.
if [[ ! -f /etc/mismo/mismo.env ]]; then
    sed -e 's/^SMTP_LISTEN=.*/SMTP_LISTEN=0.0.0.0:25/' \
        -e 's/^SMTP_SUBMISSION_LISTEN=.*/SMTP_SUBMISSION_LISTEN=0.0.0.0:587/' \
        -e 's/^SMTPS_LISTEN=.*/SMTPS_LISTEN=0.0.0.0:465/' \
        -e 's/^POP3_LISTEN=.*/POP3_LISTEN=0.0.0.0:110/' \
        -e 's/^POP3S_LISTEN=.*/POP3S_LISTEN=0.0.0.0:995/' \
        -e 's/^IMAP_LISTEN=.*/IMAP_LISTEN=0.0.0.0:143/' \
        -e 's/^IMAPS_LISTEN=.*/IMAPS_LISTEN=0.0.0.0:993/' \
        -e 's|^MISMO_DATA_DIR=.*|MISMO_DATA_DIR=/var/lib/mismo|' \
        .env.example > /etc/mismo/mismo.env
    chgrp mismo /etc/mismo/mismo.env
    chmod 0640 /etc/mismo/mismo.env
fi

install -m 0644 deploy/systemd/*.service /etc/systemd/system/
systemctl daemon-reload
units=(mismo-store.service)
for s in "${services[@]}"; do units+=("mismo-$s.service"); done
if [[ $start == yes ]]; then
    systemctl enable --now "${units[@]}"
    # An upgrade: the new binaries take over, each draining first.
    systemctl restart "${units[@]:1}"
    echo "install: running; add a domain with: mismoctl domain add example.org" >&2
else
    systemctl enable "${units[@]}"
fi
