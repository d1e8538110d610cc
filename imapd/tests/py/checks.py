"""What every imapd test script uses: a TLS context that trusts imapd's
self-signed certificate (the tests check the protocol, not the PKI), and
`check`, which ends the script with the failed condition named."""
import ssl

ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


def check(cond, what):
    if not cond:
        raise SystemExit(f"FAILED: {what}")
