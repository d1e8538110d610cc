/// The system flags (RFC 9051 2.3.2). Stored, as IMAP names them, in a
/// message's `flags` beside keywords, which are any other atom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
}

impl Flag {
    pub const ALL: [Flag; 5] = [
        Flag::Seen,
        Flag::Answered,
        Flag::Flagged,
        Flag::Deleted,
        Flag::Draft,
    ];

    /// The flag as stored and as IMAP writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Flag::Seen => "\\Seen",
            Flag::Answered => "\\Answered",
            Flag::Flagged => "\\Flagged",
            Flag::Deleted => "\\Deleted",
            Flag::Draft => "\\Draft",
        }
    }

    /// The system flag `name` names, in any case (`\SEEN` is `\Seen`).
    pub fn parse(name: &str) -> Option<Flag> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Flag> for String {
    fn from(flag: Flag) -> String {
        flag.as_str().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_flags_by_name() {
        assert_eq!(Flag::parse("\\SEEN"), Some(Flag::Seen));
        assert_eq!(Flag::parse("\\draft"), Some(Flag::Draft));
        assert_eq!(Flag::parse("\\Recent"), None);
        assert_eq!(Flag::parse("Seen"), None);
        assert_eq!(Flag::Answered.to_string(), "\\Answered");
    }
}
