"""Verify a message's DKIM signature with dkimpy, looking the key up in DNS.

usage: dkim_verify_dns.py MESSAGE_FILE DNS_HOST DNS_PORT

The key is fetched from the given server (BIND9 in the tests) with dnspython,
and its character-strings are joined as RFC 6376 3.6.2.2 says.
"""
import sys

import dkim
import dns.resolver

message = open(sys.argv[1], "rb").read()
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [sys.argv[2]]
resolver.port = int(sys.argv[3])


def dnsfunc(name, timeout=5):
    answer = resolver.resolve(name.decode(), "TXT", lifetime=timeout)
    strings = [b"".join(rdata.strings) for rdata in answer]
    return strings[0] if strings else None


if dkim.verify(message, dnsfunc=dnsfunc):
    print("DKIM OK")
else:
    print("DKIM FAILED")
    sys.exit(1)
