//! SMTP replies with RFC 3463 enhanced status codes.

use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// Enhanced status code (RFC 2034), absent only on the greeting and on
    /// replies to EHLO/HELO, where RFC 2034 leaves it out.
    pub status: Option<&'static str>,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn new(code: u16, status: &'static str, text: impl Into<String>) -> Self {
        Self {
            code,
            status: Some(status),
            lines: vec![text.into()],
        }
    }

    /// A reply without an enhanced code (greeting, HELO/EHLO).
    pub fn plain(code: u16, lines: Vec<String>) -> Self {
        Self {
            code,
            status: None,
            lines,
        }
    }

    /// The wire form: `250-first`, ..., `250 last`, each ended by CRLF.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let mut text = String::new();
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            let _ = write!(text, "{}{}", self.code, sep);
            if let Some(status) = self.status {
                let _ = write!(text, "{status} ");
            }
            text.push_str(line);
            text.push_str("\r\n");
        }
        out.extend_from_slice(text.as_bytes());
    }

    pub fn to_wire(&self) -> String {
        let mut out = Vec::new();
        self.write_to(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// The replies used in more than one place.
pub mod common {
    use super::Reply;

    pub fn ok() -> Reply {
        Reply::new(250, "2.0.0", "Ok")
    }
    pub fn bad_sequence(text: &str) -> Reply {
        Reply::new(503, "5.5.1", text)
    }
    pub fn store_unavailable() -> Reply {
        Reply::new(
            451,
            "4.3.0",
            "Temporary failure storing the message, try again later",
        )
    }
    pub fn too_many_connections() -> Reply {
        Reply::new(421, "4.7.0", "Too many connections, try again later")
    }
    pub fn idle_timeout(host: &str) -> Reply {
        Reply::new(
            421,
            "4.4.2",
            format!("{host} Timeout waiting for a command, closing"),
        )
    }
    /// A DATA section or BDAT chunk, or the whole session, took too long.
    pub fn too_slow(host: &str, what: &str) -> Reply {
        Reply::new(
            421,
            "4.4.2",
            format!("{host} Timeout: {what} took too long, closing"),
        )
    }
    pub fn line_too_long() -> Reply {
        Reply::new(
            500,
            "5.5.2",
            "Line too long (a command line is at most 512 octets)",
        )
    }
    pub fn message_too_big() -> Reply {
        Reply::new(552, "5.3.4", "Message size exceeds fixed limit")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms() {
        assert_eq!(common::ok().to_wire(), "250 2.0.0 Ok\r\n");
        let ehlo = Reply::plain(250, vec!["mx.test".into(), "PIPELINING".into()]);
        assert_eq!(ehlo.to_wire(), "250-mx.test\r\n250 PIPELINING\r\n");
    }
}
