//! Mail addresses and domain names as Mismo stores them: domains lower-cased
//! ASCII (A-labels for internationalised names), local parts lower-cased for
//! lookups, as Postfix and Dovecot do by default.

use std::fmt;

/// A domain name: 1-253 characters, labels of 1-63 letters, digits and inner
/// hyphens, at least one dot not required (so `localhost` passes).
pub fn is_valid_domain(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Normalises a domain name for storage, or says why it is not one.
pub fn normalize_domain(name: &str) -> Result<String, AddressError> {
    let lower = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if !lower.is_ascii() {
        return Err(AddressError::NonAsciiDomain(name.to_string()));
    }
    if is_valid_domain(&lower) {
        Ok(lower)
    } else {
        Err(AddressError::BadDomain(name.to_string()))
    }
}

/// An address as stored or sent, split at its last `@` into local part
/// and domain, neither checked: for addresses accepted already (use
/// [`Address::parse`] for what a client typed).
pub fn split(address: &str) -> Option<(&str, &str)> {
    address.rsplit_once('@')
}

/// The local part of an address (all of it, if it has no `@`).
pub fn local_part(address: &str) -> &str {
    split(address).map_or(address, |(local, _)| local)
}

/// The domain of an address (empty, if it has no `@`).
pub fn domain_part(address: &str) -> &str {
    split(address).map_or("", |(_, domain)| domain)
}

/// Whether `local` may name a mailbox made here: letters, digits, dots,
/// hyphens and underscores, as Mailcow and most hosting panels allow. Mail
/// may come *from* any address RFC 5321 allows; a mailbox's own name also
/// stands in links, forms and folder paths, where `?`, `&`, `%` or `/`
/// would break them.
pub fn is_mailbox_name(local: &str) -> bool {
    !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// A mailbox address `local@domain`, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    local: String,
    domain: String,
}

impl Address {
    /// Parses and normalises `local@domain`. The local part may be UTF-8
    /// (RFC 6531) but not contain blanks, control characters or `@`.
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        let text = text.trim();
        let (local, domain) =
            split(text).ok_or_else(|| AddressError::BadAddress(text.to_string()))?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[]\\,;:\"".contains(c));
        if !local_ok {
            return Err(AddressError::BadAddress(text.to_string()));
        }
        let domain =
            normalize_domain(domain).map_err(|_| AddressError::BadAddress(text.to_string()))?;
        Ok(Self {
            local: local.to_lowercase(),
            domain,
        })
    }

    pub fn local(&self) -> &str {
        &self.local
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("{0:?} is not a mail address (expected local@domain)")]
    BadAddress(String),
    #[error("{0:?} is not a domain name")]
    BadDomain(String),
    #[error("{0:?}: give internationalised domain names in their ASCII form (xn--...)")]
    NonAsciiDomain(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailbox_names() {
        for ok in ["zoe", "z.oe", "jürgen", "a-b_c", "u1"] {
            assert!(is_mailbox_name(ok), "{ok}");
        }
        for bad in ["q?x=1&y=%3cb%3e", "a/b", "a+b", "", "a b", "a\u{202E}b"] {
            assert!(!is_mailbox_name(bad), "{bad}");
        }
    }

    #[test]
    fn addresses_are_normalised() {
        let a = Address::parse(" Bob.Smith@Example.ORG. ").unwrap();
        assert_eq!(a.to_string(), "bob.smith@example.org");
        assert_eq!(a.domain(), "example.org");
        assert_eq!(a.local(), "bob.smith");
        assert_eq!(Address::parse("jürgen@b.de").unwrap().local(), "jürgen");
    }

    #[test]
    fn bad_addresses_are_refused() {
        for bad in [
            "",
            "bob",
            "@x.org",
            "bob@",
            "a b@x.org",
            "bob@-x.org",
            "bob@x..org",
            ".a@x.org",
            "a..b@x.org",
            "a@b@",
            "<a>@x.org",
            "bob@bücher.de",
        ] {
            assert!(Address::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn domains() {
        assert_eq!(normalize_domain("Example.COM").unwrap(), "example.com");
        assert!(matches!(
            normalize_domain("bücher.de"),
            Err(AddressError::NonAsciiDomain(_))
        ));
        assert!(normalize_domain("xn--bcher-kva.de").is_ok());
        assert!(normalize_domain("a_b.org").is_err());
        assert!(normalize_domain(&format!("{}.org", "a".repeat(64))).is_err());
    }
}
