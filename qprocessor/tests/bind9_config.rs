//! The bundled caching resolver configuration is one BIND9 accepts.

use std::process::Command;

#[test]
fn named_checkconf_accepts_the_bundled_configuration() {
    let conf = concat!(env!("CARGO_MANIFEST_DIR"), "/../bind9/named.conf");
    // The configuration includes the rndc key a Debian install creates; give
    // named-checkconf one of its own so the check needs no installed key.
    let dir = tempfile_dir();
    let key = dir.join("rndc.key");
    std::fs::write(&key, "key \"rndc-key\" { algorithm hmac-sha256; secret \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"; };\n").unwrap();
    let text = std::fs::read_to_string(conf)
        .unwrap()
        .replace("/etc/bind/rndc.key", &key.display().to_string());
    let copy = dir.join("named.conf");
    std::fs::write(&copy, &text).unwrap();
    let out = Command::new("named-checkconf")
        .arg(&copy)
        .output()
        .expect("named-checkconf (package bind9) runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "listen-on port 53 { 127.0.0.1; }",
        "allow-query { loopback; }",
        "acl loopback { 127.0.0.0/8; }",
        "max-cache-size 4g",
        "recursion yes",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    // A broken copy is refused, so the check above means something.
    std::fs::write(
        &copy,
        text.replace("max-cache-size 4g;", "max-cache-size 4g"),
    )
    .unwrap();
    assert!(!Command::new("named-checkconf")
        .arg(&copy)
        .status()
        .unwrap()
        .success());
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mismo-bind9-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
