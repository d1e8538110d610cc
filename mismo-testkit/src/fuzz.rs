//! Replaying what the fuzzers keep: the seed inputs each target starts
//! from (fuzz/seeds/TARGET) and every input that ever made it fail
//! (fuzz/regressions/TARGET, where bench/run.sh puts new crashes).

use std::path::PathBuf;

/// Runs `body` on every kept input of `target`, naming the file of the
/// first that panics; returns how many ran. There is at least one seed per
/// target, so a test that finds nothing to replay fails instead of passing.
pub fn replay(target: &str, body: fn(&[u8])) -> usize {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files = Vec::new();
    for kind in ["seeds", "regressions"] {
        let Ok(dir) = std::fs::read_dir(root.join(kind).join(target)) else {
            continue;
        };
        files.extend(dir.map(|e| e.expect("directory entry").path()));
    }
    files.sort();
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("/seeds/")),
        "no seed inputs for {target} under {}",
        root.display()
    );
    for file in &files {
        let input = std::fs::read(file).expect("fuzz input");
        if std::panic::catch_unwind(|| body(&input)).is_err() {
            panic!("{} fails again", file.display());
        }
    }
    files.len()
}
