//! What one delivery attempt did for one recipient.

/// The result of trying one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered(String),
    /// Try again later.
    Temporary(String),
    /// Give up and bounce.
    Permanent(String),
}

impl Outcome {
    pub fn text(&self) -> &str {
        match self {
            Self::Delivered(t) | Self::Temporary(t) | Self::Permanent(t) => t,
        }
    }

    /// The RFC 3463 status code in the reply, or the generic one for its class.
    pub fn status_code(&self) -> String {
        let found = self.text().split_whitespace().find(|w| {
            let parts: Vec<&str> = w.split('.').collect();
            parts.len() == 3
                && matches!(parts[0], "2" | "4" | "5")
                && parts[1..]
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
        match (found, self) {
            (Some(code), _) => code.to_string(),
            (None, Self::Delivered(_)) => "2.0.0".into(),
            (None, Self::Temporary(_)) => "4.0.0".into(),
            (None, Self::Permanent(_)) => "5.0.0".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_found() {
        let p = Outcome::Permanent("550 5.1.1 <x@y>: User unknown".into());
        assert_eq!(p.text(), "550 5.1.1 <x@y>: User unknown");
        assert_eq!(p.status_code(), "5.1.1");
        assert_eq!(Outcome::Permanent("no MX".into()).status_code(), "5.0.0");
        assert_eq!(Outcome::Temporary("timeout".into()).status_code(), "4.0.0");
    }
}
