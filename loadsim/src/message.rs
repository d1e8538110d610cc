//! The messages the simulated clients send, and the check a reader makes of
//! each copy it finds: every message carries its own id in a header and a
//! SHA-256 of its body text on its last line, so a copy that lost, gained or
//! changed one octet of its body on the way is caught.

use rand::RngExt;
use sha2::{Digest, Sha256};

/// The header carrying a message's id.
const ID_HEADER: &str = "X-Mismo-Load";
/// The body's last line starts with this, followed by the hex SHA-256 of
/// every line above it (each ending in CRLF).
const SUM_PREFIX: &str = "sha256: ";
/// Characters of the filler text: no dots, so no line needs dot-stuffing
/// by accident and none starts with one; the readers undo stuffing anyway.
const FILLER: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
const LINE: usize = 76;

/// A message ready for DATA (CRLF line endings, no final dot).
pub fn compose(
    id: u64,
    from: &str,
    to_header: &str,
    body_bytes: usize,
    rng: &mut impl RngExt,
) -> Vec<u8> {
    let mut body = String::with_capacity(body_bytes + LINE);
    while body.len() < body_bytes {
        let line: String = (0..LINE)
            .map(|_| FILLER[rng.random_range(0..FILLER.len())] as char)
            .collect();
        body.push_str(line.trim_end());
        body.push_str("\r\n");
    }
    let sum = hex(&Sha256::digest(body.as_bytes()));
    format!(
        "From: <{from}>\r\nTo: {to_header}\r\nSubject: load message {id}\r\n\
         Message-ID: <{id}.{from}>\r\n{ID_HEADER}: {id}\r\n\r\n{body}{SUM_PREFIX}{sum}\r\n"
    )
    .into_bytes()
}

/// What a reader made of one copy.
#[derive(Debug, PartialEq, Eq)]
pub enum Copy {
    /// Intact: the id it carries.
    Intact(u64),
    /// Its body does not match its checksum (the id, when it could be read).
    Corrupt(Option<u64>),
}

/// Checks a copy as a reader received it (after the protocol's own framing
/// was undone). Headers added on the way (Received, Return-Path) are fine.
pub fn check(copy: &[u8]) -> Copy {
    let text = String::from_utf8_lossy(copy);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return Copy::Corrupt(None);
    };
    let id = head.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case(ID_HEADER)
            .then(|| value.trim().parse::<u64>().ok())
            .flatten()
    });
    let Some(id) = id else {
        return Copy::Corrupt(None);
    };
    let body = body.strip_suffix("\r\n").unwrap_or(body);
    let Some(at) = body.rfind(SUM_PREFIX) else {
        return Copy::Corrupt(Some(id));
    };
    let (text, sum) = (&body[..at], &body[at + SUM_PREFIX.len()..]);
    if hex(&Sha256::digest(text.as_bytes())) == sum {
        Copy::Intact(id)
    } else {
        Copy::Corrupt(Some(id))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn sample() -> Vec<u8> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        compose(42, "u1@load.test", "<u2@load.test>", 3000, &mut rng)
    }

    #[test]
    fn a_composed_message_checks_out_with_headers_added_in_front() {
        let m = sample();
        assert_eq!(check(&m), Copy::Intact(42));
        let mut delivered = b"Return-Path: <u1@load.test>\r\nReceived: from x\r\n".to_vec();
        delivered.extend_from_slice(&m);
        assert_eq!(check(&delivered), Copy::Intact(42));
        assert!(m.len() >= 3000 && m.len() < 3300, "{}", m.len());
    }

    #[test]
    fn one_changed_or_missing_octet_is_caught() {
        let m = sample();
        let mut changed = m.clone();
        let at = m.len() / 2;
        changed[at] = if changed[at] == b'a' { b'b' } else { b'a' };
        assert_eq!(check(&changed), Copy::Corrupt(Some(42)));
        let mut cut = m.clone();
        cut.remove(at);
        assert_eq!(check(&cut), Copy::Corrupt(Some(42)));
        assert_eq!(check(&m[..m.len() - 10]), Copy::Corrupt(Some(42)));
    }

    #[test]
    fn a_copy_without_an_id_or_body_is_corrupt() {
        assert_eq!(check(b"Subject: x\r\n\r\nbody\r\n"), Copy::Corrupt(None));
        assert_eq!(check(b"no header end"), Copy::Corrupt(None));
    }

    #[test]
    fn no_body_line_starts_with_a_dot_or_runs_long() {
        let m = sample();
        let text = String::from_utf8(m).unwrap();
        assert!(text
            .split("\r\n")
            .all(|l| !l.starts_with('.') && l.len() <= 998));
    }
}
