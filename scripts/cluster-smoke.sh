#!/usr/bin/env bash
# Smoke test of the Quick start's first command: scripts/cluster.sh starts the
# store and every service in one terminal, mail goes in over SMTP (swaks) and
# comes out over POP3 (poplib), IMAP (imaplib) and webmail, and a stop signal ends
# everything cleanly.
# Runs on free ports and a throw-away data folder. Part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

data=$(mktemp -d)
log="$data/cluster.log"
export MISMO_DATA_DIR="$data" MISMO_HOSTNAME=mx.smoke.test MISMO_PROFILE=dev RUST_LOG=info
# Ports below the ephemeral range, reserved while this script runs.
mapfile -t ports < <(MISMO_PORTS_HOLDER=$$ scripts/ports.py 11)
export MONGODB_URI="mongodb://127.0.0.1:${ports[0]}/?directConnection=true"
i=1
for v in SMTP_LISTEN SMTP_SUBMISSION_LISTEN SMTPS_LISTEN SMTP_STATUS_LISTEN POP3_LISTEN POP3S_LISTEN IMAP_LISTEN IMAPS_LISTEN ADMIN_LISTEN WEBMAIL_LISTEN; do
    export "$v=127.0.0.1:${ports[$i]}"
    i=$((i + 1))
done
export QUEUE_CYCLE_PERIOD=30

fail() {
    echo "cluster smoke test: $*" >&2
    # The end of the log says why (a build's error comes last).
    tail -n 60 "$log" | sed 's/^/  | /' >&2 || true
    kill -TERM "$pid" 2>/dev/null || true
    exit 1
}

# Build first, with no time limit: a cold build on a slow or busy machine
# takes as long as it takes. Only the start-up below is timed (cluster.sh
# builds again, which is then a no-op).
scripts/assets.sh
cargo build --profile "$MISMO_PROFILE" --workspace --bins

setsid scripts/cluster.sh >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
    grep -q "pop3d .*serving" "$log" 2>/dev/null && grep -q "imapd .*serving" "$log" \
        && grep -q "smtp-engine .*serving" "$log" && grep -q "admin-console .*serving" "$log" \
        && grep -q "webmail .*serving" "$log" && break
    kill -0 "$pid" 2>/dev/null || fail "cluster.sh exited early"
    sleep 0.5
done
grep -q "smtp-engine .*serving" "$log" || fail "services did not start"

ctl="${CARGO_TARGET_DIR:-target}/debug/mismoctl"
"$ctl" domain add smoke.test >/dev/null || fail "mismoctl domain add"
echo "smoke password" | "$ctl" mailbox add zoe@smoke.test --password-stdin >/dev/null || fail "mismoctl mailbox add"
python3 - "$SMTP_STATUS_LISTEN" <<'PY' || fail "/status is not 200"
import sys, urllib.request
assert urllib.request.urlopen(f"http://{sys.argv[1]}/status").status == 200
PY
swaks --server "$SMTP_LISTEN" --from a@far.test --to zoe@smoke.test --header "Subject: smoke" --hide-all \
    || fail "swaks was refused"
python3 - "${POP3S_LISTEN##*:}" <<'PY' || fail "the message did not reach POP3"
import poplib, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
for _ in range(100):
    p = poplib.POP3_SSL("127.0.0.1", int(sys.argv[1]), context=ctx)
    p.user("zoe@smoke.test"); p.pass_("smoke password")
    if p.stat()[0] == 1:
        assert any(b"Subject: smoke" in l for l in p.retr(1)[1])
        p.quit(); sys.exit(0)
    p.quit(); time.sleep(0.2)
sys.exit(1)
PY
python3 - "${IMAPS_LISTEN##*:}" <<'PY' || fail "the message is not in INBOX over IMAP"
import imaplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
c = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx)
c.login("zoe@smoke.test", "smoke password")
assert c.select("INBOX")[1] == [b"1"]
assert b"Subject: smoke" in c.fetch("1", "(BODY.PEEK[HEADER])")[1][0][1]
c.logout()
PY
python3 - "$ADMIN_LISTEN" <<'PY' || fail "the admin console's sign-in page is not served"
import sys, urllib.request
r = urllib.request.urlopen(f"http://{sys.argv[1]}/login")
assert r.status == 200 and "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
assert b'name="username"' in r.read()
PY
python3 - "$WEBMAIL_LISTEN" <<'PY' || fail "webmail does not let zoe read her mail"
import http.cookiejar, re, sys, urllib.parse, urllib.request
base = f"http://{sys.argv[1]}"
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
page = web.open(f"{base}/login").read().decode()
csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
form = urllib.parse.urlencode({"address": "zoe@smoke.test", "password": "smoke password", "csrf": csrf})
inbox = web.open(f"{base}/login", data=form.encode())
assert "default-src 'none'" in inbox.headers["Content-Security-Policy"]
assert ">smoke<" in inbox.read().decode()
PY

kill -TERM "$pid"
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
kill -0 "$pid" 2>/dev/null && fail "cluster.sh did not stop"
wait "$pid" || fail "cluster.sh exited with $?"
grep -q "cluster: stopped" "$log" || fail "no clean stop"
for svc in smtp-engine qprocessor pop3d imapd admin-console webmail; do
    grep -q "^$svc .*stopped" "$log" || fail "$svc did not stop cleanly"
done
pgrep -f "$data" >/dev/null && fail "processes left behind"
rm -rf "$data"
echo "cluster smoke test: every service started, mail went through, all stopped" >&2
