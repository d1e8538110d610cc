//! The bundled caching resolver configuration is one BIND9 accepts.

use std::process::Command;

fn checkconf(path: &std::path::Path) -> std::process::Output {
    Command::new("named-checkconf")
        .arg(path)
        .output()
        .expect("named-checkconf (package bind9) runs")
}

#[test]
fn named_checkconf_accepts_the_bundled_configuration() {
    let conf = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../bind9/named.conf"));
    let text = std::fs::read_to_string(conf).unwrap();
    let out = checkconf(conf);
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
    let dir = std::env::temp_dir().join(format!("mismo-bind9-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("named.conf");
    std::fs::write(
        &copy,
        text.replace("max-cache-size 4g;", "max-cache-size 4g"),
    )
    .unwrap();
    assert!(!checkconf(&copy).status.success());
}
