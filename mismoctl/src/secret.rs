//! New passwords: read from standard input, or generated.

use tokio::io::AsyncReadExt;

/// Reads a password from stdin: everything up to the first line end.
pub async fn read_stdin() -> Result<String, String> {
    let mut input = String::new();
    tokio::io::stdin()
        .read_to_string(&mut input)
        .await
        .map_err(|e| format!("reading the password from stdin: {e}"))?;
    let line = input.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err("no password on stdin".into());
    }
    Ok(line)
}

/// The password to set, and whether it was generated (and must be shown).
pub async fn obtain(from_stdin: bool) -> Result<(String, bool), String> {
    if from_stdin {
        Ok((read_stdin().await?, false))
    } else {
        Ok((mismo_core::password::generate(), true))
    }
}
