//! What Mismo relays has CRLF line endings only.
//!
//! A message that came in by BDAT (or was queued by older code) may hold a
//! bare LF or a bare CR. lettre dot-stuffs only after CRLF, so `<LF>.<CRLF>`
//! would reach the next hop unstuffed, and a receiver that takes it for the
//! end of DATA would read what follows as a second message with a forged
//! envelope ("SMTP smuggling", outbound). RFC 5321 2.3.8 allows no bare CR or
//! LF in SMTP; both become CRLF here, before the message is signed, so the
//! next hop sees exactly one message and the signature covers what it sees.

use std::borrow::Cow;

/// The message with every bare CR and bare LF turned into CRLF.
pub fn crlf(bytes: &[u8]) -> Cow<'_, [u8]> {
    let bare = |i: usize| match bytes[i] {
        b'\n' => i == 0 || bytes[i - 1] != b'\r',
        b'\r' => bytes.get(i + 1) != Some(&b'\n'),
        _ => false,
    };
    if !(0..bytes.len()).any(bare) {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    for (i, &b) in bytes.iter().enumerate() {
        if bare(i) {
            out.extend_from_slice(b"\r\n");
        } else {
            out.push(b);
        }
    }
    Cow::Owned(out)
}

/// The body as lettre wants it: lettre ends the data with `CRLF . CRLF`
/// itself, so a message already ending in CRLF would gain an empty line.
pub fn without_final_crlf(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\r\n").unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_line_ends_become_crlf() {
        assert!(matches!(crlf(b"a\r\nb\r\n"), Cow::Borrowed(_)));
        assert_eq!(&*crlf(b"a\n.\r\nMAIL"), b"a\r\n.\r\nMAIL");
        assert_eq!(&*crlf(b"a\r\n.\nb"), b"a\r\n.\r\nb");
        assert_eq!(&*crlf(b"\n.\n"), b"\r\n.\r\n");
        assert_eq!(&*crlf(b"a\r.\rb\r"), b"a\r\n.\r\nb\r\n");
        assert_eq!(&*crlf(b"\r\r\n\n"), b"\r\n\r\n\r\n");
    }

    #[test]
    fn the_final_crlf_is_left_to_lettre() {
        assert_eq!(without_final_crlf(b"a\r\nb\r\n"), b"a\r\nb");
        assert_eq!(without_final_crlf(b"a\r\nb"), b"a\r\nb");
        assert_eq!(without_final_crlf(b""), b"");
    }
}
