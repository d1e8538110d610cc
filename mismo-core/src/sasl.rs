//! SASL PLAIN (RFC 4616) and LOGIN decoding, shared by SMTP AUTH (RFC 4954)
//! and POP3 AUTH (RFC 5034).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

#[derive(Debug, PartialEq, Eq)]
pub enum SaslError {
    /// The client sent `*` (RFC 4954: cancel).
    Cancelled,
    Malformed,
}

/// Decodes one base64 line from the client.
pub fn decode_line(line: &str) -> Result<Vec<u8>, SaslError> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line == "*" {
        return Err(SaslError::Cancelled);
    }
    if line == "=" {
        return Ok(Vec::new());
    }
    STANDARD.decode(line).map_err(|_| SaslError::Malformed)
}

/// `[authzid] NUL authcid NUL passwd` into (authcid, passwd). An authzid other
/// than empty or the authcid itself is refused: users cannot act as others.
pub fn plain(message: &[u8]) -> Result<(String, String), SaslError> {
    let mut parts = message.split(|&b| b == 0);
    let (Some(authz), Some(user), Some(pass), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SaslError::Malformed);
    };
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| SaslError::Malformed);
    let (authz, user, pass) = (text(authz)?, text(user)?, text(pass)?);
    if user.is_empty() || (!authz.is_empty() && !authz.eq_ignore_ascii_case(&user)) {
        return Err(SaslError::Malformed);
    }
    Ok((user, pass))
}

pub fn utf8(bytes: Vec<u8>) -> Result<String, SaslError> {
    String::from_utf8(bytes).map_err(|_| SaslError::Malformed)
}

pub fn encode(text: &str) -> String {
    STANDARD.encode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_messages() {
        assert_eq!(
            plain(b"\0zoe@x.test\0pw"),
            Ok(("zoe@x.test".into(), "pw".into()))
        );
        assert_eq!(
            plain(b"zoe@x.test\0zoe@x.test\0pw"),
            Ok(("zoe@x.test".into(), "pw".into()))
        );
        assert_eq!(
            plain(b"bob@x.test\0zoe@x.test\0pw"),
            Err(SaslError::Malformed)
        );
        assert_eq!(plain(b"\0\0pw"), Err(SaslError::Malformed));
        assert_eq!(plain(b"zoe"), Err(SaslError::Malformed));
        assert_eq!(plain(b"\0a\0b\0c"), Err(SaslError::Malformed));
    }

    #[test]
    fn lines() {
        assert_eq!(decode_line("*\r\n"), Err(SaslError::Cancelled));
        assert_eq!(decode_line("=\r\n"), Ok(vec![]));
        assert_eq!(decode_line("dXNlcg==\r\n"), Ok(b"user".to_vec()));
        assert_eq!(decode_line("!!!"), Err(SaslError::Malformed));
        assert_eq!(encode("Username:"), "VXNlcm5hbWU6");
    }
}
