//! Modified UTF-7 (RFC 3501 5.1.3): how IMAP4rev1 carries folder names that
//! are not printable ASCII. The store keeps names in UTF-8; they are
//! converted here, at the protocol's edge, and nowhere else.
//!
//! Written here rather than taken from the `utf7-imap` crate because that
//! crate decodes without an error path, and a server must refuse a malformed
//! name (RFC 3501 5.1.3 allows one spelling per name) instead of storing a
//! guess that no client can address again. The base64 itself is the `base64`
//! crate's, with `,` for `/`.

use base64::alphabet::Alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

const MODIFIED_BASE64: GeneralPurpose = GeneralPurpose::new(
    &match Alphabet::new("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,") {
        Ok(a) => a,
        Err(_) => panic!("the modified base64 alphabet is valid"),
    },
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Why a name on the wire is not modified UTF-7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

fn printable(c: char) -> bool {
    (' '..='~').contains(&c)
}

/// A UTF-8 folder name as sent to clients.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in name.chars() {
        if printable(c) {
            flush(&mut out, &mut pending);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut units = [0; 2];
            pending.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    flush(&mut out, &mut pending);
    out
}

fn flush(out: &mut String, pending: &mut Vec<u16>) {
    if pending.is_empty() {
        return;
    }
    let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
    out.push('&');
    out.push_str(&MODIFIED_BASE64.encode(bytes));
    out.push('-');
    pending.clear();
}

/// A folder name from a client, in UTF-8. Refuses 8-bit characters, an `&`
/// without its closing `-`, bad base64, odd bytes, broken UTF-16, and
/// printable ASCII spelt in base64: each has a single right spelling.
pub fn decode(wire: &str) -> Result<String, Malformed> {
    let mut out = String::with_capacity(wire.len());
    let mut rest = wire;
    while let Some(at) = rest.find('&') {
        let plain = &rest[..at];
        if !plain.chars().all(printable) {
            return Err(Malformed);
        }
        out.push_str(plain);
        let shifted = &rest[at + 1..];
        let end = shifted.find('-').ok_or(Malformed)?;
        let encoded = &shifted[..end];
        if encoded.is_empty() {
            out.push('&');
        } else {
            let bytes = MODIFIED_BASE64.decode(encoded).map_err(|_| Malformed)?;
            if bytes.len() % 2 != 0 {
                return Err(Malformed);
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            let text = String::from_utf16(&units).map_err(|_| Malformed)?;
            if text.chars().any(printable) {
                return Err(Malformed);
            }
            out.push_str(&text);
        }
        rest = &shifted[end + 1..];
    }
    if !rest.chars().all(printable) {
        return Err(Malformed);
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        // RFC 3501 5.1.3's own example, and names from other scripts.
        let cases = [
            ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
            ("Entwürfe", "Entw&APw-rfe"),
            ("Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"),
            ("Tom & Jerry", "Tom &- Jerry"),
            ("INBOX", "INBOX"),
            ("Mail 📬", "Mail &2D3c7A-"),
        ];
        for (utf8, wire) in cases {
            assert_eq!(encode(utf8), wire, "{utf8}");
            assert_eq!(decode(wire).as_deref(), Ok(utf8), "{wire}");
        }
    }

    #[test]
    fn malformed_names_are_refused() {
        for wire in [
            "Entwürfe",    // 8-bit: not modified UTF-7
            "Tom & Jerry", // & must be &-
            "a&APw",       // no closing -
            "a&A-",        // half a character
            "a&AGE-",      // printable "a" spelt in base64
            "a&2D0-",      // a lone surrogate
            "a&AP*-",      // not base64
            "a&APw=-",     // padding
        ] {
            assert_eq!(decode(wire), Err(Malformed), "{wire}");
        }
    }
}
