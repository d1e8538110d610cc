"""Mail programs against a scaled-out cluster.

scale_out.py send SMTP_A SMTP_B COUNT MAILBOXES
    COUNT messages over SMTP, alternately through each engine, each to two
    mailboxes (u{seq % M} and u{(seq + 7) % M} at so.test), numbered by an
    X-Seq header. Prints "sent COUNT".
scale_out.py read POP3S_A POP3S_B IMAPS_A IMAPS_B MAILBOXES PASSWORD
    Reads every mailbox over POP3 (even ones through the first pop3d, odd
    ones through the second), checks the first mailbox reads the same through
    both pop3d and that both imapd count the same messages in each INBOX, and
    prints {"u0": [seq, ...], ...} as JSON.
"""
import imaplib
import json
import poplib
import smtplib
import ssl
import sys


def ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def send(ports, count, mailboxes):
    sessions = [smtplib.SMTP("127.0.0.1", p, timeout=60) for p in ports]
    for s in sessions:
        s.ehlo("sender.test")
    for seq in range(count):
        rcpts = [f"u{seq % mailboxes}@so.test", f"u{(seq + 7) % mailboxes}@so.test"]
        body = (f"From: far@far.test\r\nTo: {', '.join(rcpts)}\r\nSubject: scale {seq}\r\n"
                f"X-Seq: {seq}\r\n\r\nmessage {seq}\r\n")
        refused = sessions[seq % 2].sendmail("far@far.test", rcpts, body.encode())
        assert not refused, refused
    for s in sessions:
        s.quit()
    print(f"sent {count}")


def pop3_read(port, user, password):
    p = poplib.POP3_SSL("127.0.0.1", port, context=ctx(), timeout=60)
    p.user(user)
    p.pass_(password)
    seqs, uidls = [], [line.split()[1] for line in p.uidl()[1]]
    count, _ = p.stat()
    for i in range(1, count + 1):
        for line in p.retr(i)[1]:
            if line.startswith(b"X-Seq: "):
                seqs.append(int(line[7:]))
    p.quit()
    return seqs, uidls


def imap_count(port, user, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx(), timeout=60)
    m.login(user, password)
    typ, data = m.select("INBOX", readonly=True)
    assert typ == "OK", data
    m.logout()
    return int(data[0])


def read(pop3, imap, mailboxes, password):
    found = {}
    for n in range(mailboxes):
        user = f"u{n}@so.test"
        seqs, uidls = pop3_read(pop3[n % 2], user, password)
        if n == 0:
            again, uidls_b = pop3_read(pop3[1], user, password)
            assert (sorted(again), uidls_b) == (sorted(seqs), uidls), "the two pop3d differ"
        counts = [imap_count(p, user, password) for p in imap]
        assert counts == [len(seqs), len(seqs)], (user, counts, len(seqs))
        found[f"u{n}"] = seqs
    print(json.dumps(found))


if sys.argv[1] == "send":
    send([int(sys.argv[2]), int(sys.argv[3])], int(sys.argv[4]), int(sys.argv[5]))
else:
    read([int(sys.argv[2]), int(sys.argv[3])], [int(sys.argv[4]), int(sys.argv[5])],
         int(sys.argv[6]), sys.argv[7])
