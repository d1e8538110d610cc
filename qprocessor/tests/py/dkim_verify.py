"""Verify a message's DKIM signature with dkimpy against a given TXT record.

usage: dkim_verify.py MESSAGE_FILE TXT_VALUE_FILE
"""
import sys

import dkim

message = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
record = open(sys.argv[2], "rb").read().strip()


def dnsfunc(name, timeout=5):
    assert name.startswith(b"mismo._domainkey."), name
    return record


if dkim.verify(message, dnsfunc=dnsfunc):
    print("DKIM OK")
else:
    print("DKIM FAILED")
    sys.exit(1)
