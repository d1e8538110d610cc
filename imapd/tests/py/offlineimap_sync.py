"""offlineimap against imapd: a sync, a change offline, a sync back.

Usage: offlineimap_sync.py TLS_PORT USER PASSWORD CERT_FILE DIR
Prints "ok" when the Maildir holds what the server does.
"""
import hashlib
import os
import ssl
import subprocess
import sys

port, user, password, cert, base = sys.argv[1:6]
with open(cert) as f:
    der = ssl.PEM_cert_to_DER_cert(f.read())
fingerprint = hashlib.sha512(der).hexdigest()
mail = os.path.join(base, "mail")
conf = os.path.join(base, "offlineimaprc")
with open(conf, "w") as f:
    f.write(f"""[general]
accounts = mismo
metadata = {base}/meta

[Account mismo]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = {mail}

[Repository remote]
type = IMAP
remotehost = 127.0.0.1
remoteport = {port}
remoteuser = {user}
remotepass = {password}
ssl = yes
cert_fingerprint = {fingerprint}
folderfilter = lambda f: f in ['INBOX', 'Drafts']
""")


def check(cond, what):
    if not cond:
        raise SystemExit(f"FAILED: {what}")


def sync():
    r = subprocess.run(["offlineimap", "-c", conf, "-o", "-u", "basic"], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    check(r.returncode == 0, f"offlineimap exited {r.returncode}")


def messages(folder):
    out = {}
    for sub in ("cur", "new"):
        d = os.path.join(mail, folder, sub)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), encoding="utf-8") as f:
                subject = next(l[9:].strip() for l in f if l.startswith("Subject: "))
            out[subject] = os.path.join(d, name)
    return out


sync()
inbox = messages("INBOX")
check(sorted(inbox) == ["Note 1", "Note 2", "Note 3"], f"synced {sorted(inbox)}")
path = inbox["Note 1"]
flags = path.rsplit(":2,", 1)
read = (flags[0] + ":2," + "".join(sorted(flags[1] + "S"))) if len(flags) == 2 else path + ":2,S"
os.rename(path, read.replace("/new/", "/cur/"))
with open(os.path.join(mail, "Drafts", "new", "1700000000.offline.host"), "w") as f:
    f.write("From: zoe@example.org\r\nSubject: Offline draft\r\n\r\nWritten offline\r\n")
sync()
check(sorted(messages("Drafts")) == ["Offline draft"], "draft kept")
print("ok")
