//! What one delivery attempt did for one recipient.
//!
//! An outcome keeps the SMTP reply exactly as it was given (by the remote
//! host, or worded by Mismo for its own decisions) apart from where it came
//! from, so a bounce can quote the reply as sent (RFC 3464 2.3.6) and name
//! the remote MTA (2.3.5), and the log can say both, as Postfix's does.

use std::fmt;
use std::net::SocketAddr;

/// Whether the recipient is done, to be retried, or failed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Delivered,
    /// Try again later.
    Temporary,
    /// Give up and bounce.
    Permanent,
}

/// The remote host that gave a reply, and the command it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub host: String,
    pub addr: SocketAddr,
    pub step: Step,
}

/// The SMTP command a remote reply answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Greeting,
    Mail,
    Rcpt,
    Data,
    EndOfData,
}

impl Step {
    /// When a conversation broke off, for a message of our own.
    pub fn what_happened(self) -> &'static str {
        match self {
            Self::Greeting => "during the greeting",
            Self::Mail => "after MAIL FROM",
            Self::Rcpt => "after RCPT TO",
            Self::Data => "after DATA",
            Self::EndOfData => "while sending the message",
        }
    }

    fn in_reply_to(self) -> &'static str {
        match self {
            Self::Greeting => "in reply to EHLO/HELO",
            Self::Mail => "in reply to MAIL FROM command",
            Self::Rcpt => "in reply to RCPT TO command",
            Self::Data => "in reply to DATA command",
            Self::EndOfData => "in reply to end of DATA command",
        }
    }
}

/// The result of trying one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub class: Class,
    /// An SMTP reply, code first: `550 5.1.1 <x@y>: user unknown`. From the
    /// remote host verbatim (its lines joined by spaces) when `remote` is
    /// set; otherwise Mismo's own, which never carries internal details.
    pub reply: String,
    pub remote: Option<Remote>,
}

impl Outcome {
    pub fn delivered(reply: impl Into<String>) -> Self {
        Self::local(Class::Delivered, reply)
    }

    pub fn temporary(reply: impl Into<String>) -> Self {
        Self::local(Class::Temporary, reply)
    }

    pub fn permanent(reply: impl Into<String>) -> Self {
        Self::local(Class::Permanent, reply)
    }

    fn local(class: Class, reply: impl Into<String>) -> Self {
        Self {
            class,
            reply: reply.into(),
            remote: None,
        }
    }

    /// A reply a remote host gave; its class follows the reply code (a 4xx
    /// is never permanent, whatever else is said about it).
    pub fn from_remote(reply: &str, remote: Remote) -> Self {
        let reply = reply.split(['\r', '\n']).filter(|l| !l.is_empty());
        let reply = reply.collect::<Vec<_>>().join(" ");
        let class = match reply.as_bytes().first() {
            Some(b'2') | Some(b'3') => Class::Delivered,
            Some(b'5') => Class::Permanent,
            _ => Class::Temporary,
        };
        Self {
            class,
            reply,
            remote: Some(remote),
        }
    }

    pub fn is_temporary(&self) -> bool {
        self.class == Class::Temporary
    }

    /// The same outcome, failed for good (a temporary one that ran out of
    /// time), with why added as a comment.
    pub fn given_up(&self, why: &str) -> Self {
        Self {
            class: Class::Permanent,
            reply: format!("{} ({why})", self.reply),
            remote: self.remote.clone(),
        }
    }

    /// The RFC 3463 status code in the reply, or the generic one for its class.
    pub fn status_code(&self) -> String {
        let found = self.reply.split_whitespace().take(2).find(|w| {
            let parts: Vec<&str> = w.split('.').collect();
            parts.len() == 3
                && matches!(parts[0], "2" | "4" | "5")
                && parts[1..]
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
        match (found, self.class) {
            (Some(code), _) => code.to_string(),
            (None, Class::Delivered) => "2.0.0".into(),
            (None, Class::Temporary) => "4.0.0".into(),
            (None, Class::Permanent) => "5.0.0".into(),
        }
    }
}

/// What a log line and the queue's `last_reply` say: the reply, and for a
/// remote one who said it and to what, in Postfix's words.
impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.remote {
            Some(r) => write!(
                f,
                "host {}[{}] said: {} ({})",
                r.host,
                r.addr.ip(),
                self.reply,
                r.step.in_reply_to()
            ),
            None => f.write_str(&self.reply),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(step: Step) -> Remote {
        Remote {
            host: "mx.far.test".into(),
            addr: "127.0.0.2:25".parse().unwrap(),
            step,
        }
    }

    #[test]
    fn status_codes_are_found() {
        let p = Outcome::permanent("550 5.1.1 <x@y>: User unknown");
        assert_eq!(p.reply, "550 5.1.1 <x@y>: User unknown");
        assert_eq!(p.status_code(), "5.1.1");
        assert_eq!(Outcome::permanent("no MX").status_code(), "5.0.0");
        assert_eq!(Outcome::temporary("timeout").status_code(), "4.0.0");
        // A code-like word further on is text, not the status.
        let late = Outcome::permanent("550 see 5.7.1 elsewhere");
        assert_eq!(late.status_code(), "5.0.0");
    }

    #[test]
    fn a_remote_reply_is_classed_by_its_code_and_kept_as_sent() {
        let o = Outcome::from_remote("451 4.3.0 try again\r\n", remote(Step::Rcpt));
        assert_eq!(o.class, Class::Temporary);
        assert_eq!(o.reply, "451 4.3.0 try again");
        let o = Outcome::from_remote("550 5.1.1 no\nsuch user", remote(Step::Rcpt));
        assert_eq!(o.class, Class::Permanent);
        assert_eq!(o.reply, "550 5.1.1 no such user");
        assert_eq!(
            o.to_string(),
            "host mx.far.test[127.0.0.2] said: 550 5.1.1 no such user (in reply to RCPT TO command)"
        );
        let o = Outcome::from_remote("250 2.0.0 Ok: queued", remote(Step::EndOfData));
        assert_eq!(o.class, Class::Delivered);
    }

    #[test]
    fn giving_up_keeps_the_reply_and_says_why() {
        let o = Outcome::from_remote("451 4.3.0 busy", remote(Step::Mail));
        let gone = o.given_up("queued too long");
        assert_eq!(gone.class, Class::Permanent);
        assert_eq!(gone.reply, "451 4.3.0 busy (queued too long)");
        assert_eq!(gone.status_code(), "4.3.0");
        assert!(gone.remote.is_some());
    }
}
