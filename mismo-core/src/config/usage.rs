//! What a service says about itself: `--help` (every setting it reads, with
//! its default and meaning), `--version`, and the same text as a man page.
//!
//! Services take their settings from the environment, not from flags, so the
//! command line only answers questions; anything else on it is an error, and
//! nothing is started, connected or written before it has been looked at.

use super::{
    AdminSettings, Env, FromEnv, ImapSettings, Pop3Settings, QueueSettings, SmtpSettings,
    WebmailSettings,
};

/// `.env.example` documents every variable in the comment lines above it.
const ENV_EXAMPLE: &str = include_str!("../../../.env.example");

/// One variable a binary reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub name: &'static str,
    pub default: String,
    pub meaning: String,
}

/// The variables `T` reads, in the order it reads them, each with its default
/// (as this machine would resolve it) and its meaning from `.env.example`.
pub fn settings_of<T: FromEnv>() -> Vec<Setting> {
    let env = Env::default();
    // With nothing set every variable takes its default, so this cannot fail
    // part-way; the error, if any, is not what is wanted here.
    let _ = T::from_env(&env);
    env.asked()
        .into_iter()
        .map(|(name, default)| Setting {
            name,
            default,
            meaning: meaning(name),
        })
        .collect()
}

/// The comment lines directly above `NAME=` or `# NAME=` in `.env.example`.
fn meaning(name: &str) -> String {
    let lines: Vec<&str> = ENV_EXAMPLE.lines().collect();
    let defines = |line: &str| {
        let line = line.trim_start_matches('#').trim_start();
        line.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('='))
    };
    let Some(at) = lines.iter().position(|l| defines(l)) else {
        return String::new();
    };
    let mut text = Vec::new();
    for line in lines[..at].iter().rev() {
        let Some(comment) = line.strip_prefix('#') else {
            break;
        };
        let comment = comment.trim();
        if looks_like_assignment(comment) {
            // Commented-out variables listed together share the text above
            // them (TLS_CERT_PATH, TLS_KEY_PATH); above a text, one ends it.
            if text.is_empty() {
                continue;
            }
            break;
        }
        if comment.is_empty() || comment.starts_with("---") {
            break;
        }
        text.push(comment);
    }
    text.reverse();
    text.join(" ")
}

fn looks_like_assignment(comment: &str) -> bool {
    comment.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    })
}

/// What each service is, in one line.
fn about(binary: &str) -> &'static str {
    match binary {
        "smtp-engine" => {
            "Mismo's ESMTP intake: MX, submission with STARTTLS and AUTH, implicit TLS"
        }
        "qprocessor" => {
            "Mismo's queue processor: local delivery, relay to MX hosts, retries, bounces, DKIM"
        }
        "pop3d" => "Mismo's POP3 server, with STLS and over implicit TLS",
        "imapd" => "Mismo's IMAP server, with STARTTLS and over implicit TLS",
        "admin-console" => "Mismo's web console for operators",
        "webmail" => "Mismo's webmail for users",
        _ => "a Mismo service",
    }
}

/// Every service's command line, for man pages.
pub fn service_commands() -> Vec<clap::Command> {
    vec![
        command::<SmtpSettings>("smtp-engine"),
        command::<QueueSettings>("qprocessor"),
        command::<Pop3Settings>("pop3d"),
        command::<ImapSettings>("imapd"),
        command::<AdminSettings>("admin-console"),
        command::<WebmailSettings>("webmail"),
    ]
}

/// The settings `T` reads, as the closing section of `--help`.
pub fn settings_help<T: FromEnv>() -> String {
    let mut text = String::from(
        "Settings are read from the environment, after ./.env (the environment wins):\n",
    );
    for s in settings_of::<T>() {
        text.push_str(&format!("\n  {} (default: {})\n", s.name, s.default));
        if !s.meaning.is_empty() {
            text.push_str(&format!("      {}\n", s.meaning));
        }
    }
    text
}

/// The command line of a service: `--help`, `--version`, and nothing else.
pub fn command<T: FromEnv>(binary: &'static str) -> clap::Command {
    clap::Command::new(binary)
        .version(env!("CARGO_PKG_VERSION"))
        .about(about(binary))
        .after_help(settings_help::<T>())
}

/// Answers `--help` and `--version` (exit 0) or refuses any other argument
/// (exit 2, with clap's message naming it). Returns only when there were no
/// arguments at all.
pub fn handle_command_line<T: FromEnv>(binary: &'static str) {
    if let Err(e) = command::<T>(binary).try_get_matches() {
        e.exit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_come_with_defaults_and_meanings() {
        let settings = settings_of::<SmtpSettings>();
        let find = |name| settings.iter().find(|s| s.name == name).unwrap();
        assert_eq!(find("SMTP_LISTEN").default, "0.0.0.0:2525");
        assert!(find("SMTP_LISTEN").meaning.contains("MX-facing"));
        assert_eq!(find("TLS_CERT_PATH").default, "unset");
        assert!(find("TLS_CERT_PATH").meaning.contains("PEM certificate"));
        assert_eq!(find("TLS_KEY_PATH").meaning, find("TLS_CERT_PATH").meaning);
        assert!(find("SMTP_SUBMISSION_LISTEN")
            .meaning
            .starts_with("Submission"));
        assert_eq!(find("MONGODB_DB").default, "mismo");
        // Settings of other services are not listed.
        assert!(settings.iter().all(|s| s.name != "POP3_LISTEN"));
    }

    #[test]
    fn every_variable_read_is_documented() {
        for s in settings_of::<SmtpSettings>()
            .into_iter()
            .chain(settings_of::<QueueSettings>())
            .chain(settings_of::<Pop3Settings>())
            .chain(settings_of::<ImapSettings>())
            .chain(settings_of::<AdminSettings>())
            .chain(settings_of::<WebmailSettings>())
        {
            assert!(
                !s.meaning.is_empty(),
                "{} has no line in .env.example",
                s.name
            );
        }
    }

    #[test]
    fn help_and_version_parse_and_anything_else_is_refused() {
        let cmd = || command::<SmtpSettings>("smtp-engine");
        for flag in ["--help", "-h"] {
            let e = cmd()
                .try_get_matches_from(["smtp-engine", flag])
                .unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
            assert!(e
                .to_string()
                .contains("SMTP_MAX_MESSAGE_SIZE (default: 26214400)"));
        }
        let e = cmd()
            .try_get_matches_from(["smtp-engine", "--version"])
            .unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayVersion);
        let e = cmd()
            .try_get_matches_from(["smtp-engine", "--listen"])
            .unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::UnknownArgument);
        assert!(cmd().try_get_matches_from(["smtp-engine"]).is_ok());
    }
}
