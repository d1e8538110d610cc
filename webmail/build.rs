//! Embeds htmx when scripts/assets.sh has fetched it (cfg `htmx`); without
//! it webmail is built as it is, full page loads and all.

fn main() {
    let htmx = std::path::Path::new("static/vendor/htmx.min.js");
    println!("cargo::rerun-if-changed=static/vendor/htmx.min.js");
    println!("cargo::rustc-check-cfg=cfg(htmx)");
    if htmx.exists() {
        println!("cargo::rustc-cfg=htmx");
    }
}
