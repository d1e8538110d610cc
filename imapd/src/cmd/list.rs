//! LIST and LSUB (RFC 9051 6.3.9, RFC 5258's selection and return
//! options, RFC 6154's SPECIAL-USE), and the pattern matching they use.

use mismo_core::model::Folder;

use super::Outcome;
use crate::connection::Connection;

impl Connection {
    pub(crate) async fn list(
        &mut self,
        tag: &str,
        verb: &str,
        reference: &str,
        pattern: &str,
        special_use: bool,
        subscribed_only: bool,
    ) -> Outcome {
        if pattern.is_empty() {
            // RFC 9051 6.3.9: the hierarchy delimiter and root.
            let line = format!("* {verb} (\\Noselect) \"/\" \"\"\r\n");
            return self.ok(tag, &line, &format!("{verb} completed")).await;
        }
        let full = format!("{reference}{pattern}");
        let mailbox = self.mailbox();
        let folders = self.server.store.list_folders(&mailbox).await?;
        let mut out = String::new();
        let mut sorted: Vec<&Folder> = folders.iter().collect();
        // INBOX first, then by name, as clients show them.
        sorted.sort_by_key(|f| (!Folder::is_inbox(&f.name), f.name.clone()));
        for f in sorted {
            if subscribed_only && !f.subscribed {
                continue;
            }
            if pattern_matches(&full, &f.name) {
                out.push_str(&list_line(verb, f, &folders, special_use || verb == "LIST"));
            }
        }
        self.ok(tag, &out, &format!("{verb} completed")).await
    }
}

/// Whether a folder name matches a LIST pattern (RFC 9051 6.3.9): `*`
/// matches anything, `%` anything but the separator.
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    // INBOX matches case-insensitively.
    if Folder::is_inbox(name) && pattern.eq_ignore_ascii_case("INBOX") {
        return true;
    }
    matches_counting(pattern, name).0
}

/// The match, and how many steps it took. The pattern is run as a set of
/// positions reached so far, one pass over the name (Thompson's
/// construction): at most (pattern length + 1) steps a character, where
/// trying each way a wildcard could end took exponential time for
/// patterns such as `*a*a*a*a*b`.
fn matches_counting(pattern: &str, name: &str) -> (bool, usize) {
    let p: Vec<char> = pattern.chars().collect();
    let mut steps = 0;
    // at[i]: the first i characters of the pattern match what was read.
    let mut at = vec![false; p.len() + 1];
    at[0] = true;
    // A wildcard may match nothing: whoever reaches it also reaches past
    // it (in order, so runs of wildcards pass on in one sweep).
    let skip_wildcards = |at: &mut [bool]| {
        for i in 0..p.len() {
            if at[i] && matches!(p[i], '*' | '%') {
                at[i + 1] = true;
            }
        }
    };
    skip_wildcards(&mut at);
    for c in name.chars() {
        let mut next = vec![false; p.len() + 1];
        for (i, &pc) in p.iter().enumerate() {
            steps += 1;
            if !at[i] {
                continue;
            }
            match pc {
                '*' => next[i] = true,
                '%' if c != '/' => next[i] = true,
                '%' => {}
                _ if pc == c => next[i + 1] = true,
                _ => {}
            }
        }
        skip_wildcards(&mut next);
        if !next.contains(&true) {
            return (false, steps);
        }
        at = next;
    }
    (at[p.len()], steps)
}

/// The `* LIST` line of a folder.
pub fn list_line(verb: &str, folder: &Folder, all: &[Folder], special_use: bool) -> String {
    let mut attrs = Vec::new();
    let prefix = format!("{}/", folder.name);
    if all.iter().any(|f| f.name.starts_with(&prefix)) {
        attrs.push("\\HasChildren".to_string());
    } else {
        attrs.push("\\HasNoChildren".to_string());
    }
    if verb == "LIST" && folder.subscribed {
        attrs.push("\\Subscribed".into());
    }
    if special_use {
        if let Some(u) = &folder.special_use {
            attrs.push(u.clone());
        }
    }
    format!(
        "* {verb} ({}) \"/\" {}\r\n",
        attrs.join(" "),
        crate::fetch_data::string(&crate::utf7::encode(&folder.name))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::testing::Client;

    #[test]
    fn list_patterns() {
        assert!(pattern_matches("*", "Work/2026"));
        assert!(pattern_matches("%", "Work"));
        assert!(!pattern_matches("%", "Work/2026"));
        assert!(pattern_matches("Work/%", "Work/2026"));
        assert!(pattern_matches("inbox", "INBOX"));
        assert!(pattern_matches("W*6", "Work/2026"));
        assert!(!pattern_matches("Sent", "Sent Items"));
        assert!(pattern_matches("%/%", "Work/2026"));
        assert!(!pattern_matches("%/%", "Work/2026/Q4"));
        assert!(pattern_matches("W%k/*Q%", "Work/2026/Q4"));
        assert!(pattern_matches("", ""));
        assert!(!pattern_matches("", "a"));
        assert!(pattern_matches("**%%", ""));
    }

    /// Many wildcards against a long name that does not match: a
    /// backtracking matcher tries every way to split the name among them
    /// (about 60^10 here) and never finishes.
    #[test]
    fn many_wildcards_against_a_long_name_take_linear_steps() {
        let pattern = "*a*a*a*a*a*a*a*a*a*a*b";
        let name = "a".repeat(60);
        let (matched, steps) = matches_counting(pattern, &name);
        assert!(!matched);
        assert!(steps <= (pattern.len() + 1) * name.len(), "{steps} steps");
        let pattern = "%a%a%a%a%a%a%a%a%a%a%b";
        assert!(!pattern_matches(pattern, &name));
        assert!(pattern_matches(pattern, &format!("{name}b")));
    }

    #[test]
    fn list_lines_carry_modified_utf7() {
        let folder = |name: &str, special_use: Option<&str>| Folder {
            id: name.into(),
            mailbox: "zoe@x.test".into(),
            name: name.into(),
            uidvalidity: 1,
            uid_floor: 1,
            modseq: 1,
            special_use: special_use.map(str::to_string),
            subscribed: true,
            created_at: 0,
        };
        let all = [
            folder("Entwürfe", Some("\\Drafts")),
            folder("Entwürfe/2026", None),
        ];
        assert_eq!(
            list_line("LIST", &all[0], &all, true),
            "* LIST (\\HasChildren \\Subscribed \\Drafts) \"/\" \"Entw&APw-rfe\"\r\n"
        );
        assert_eq!(
            list_line("LSUB", &all[1], &all, false),
            "* LSUB (\\HasNoChildren) \"/\" \"Entw&APw-rfe/2026\"\r\n"
        );
    }

    #[tokio::test]
    async fn list_and_lsub_over_a_session() {
        let mut c = Client::signed_in().await;
        assert_eq!(
            c.run("a LIST \"\" \"\"").await,
            "* LIST (\\Noselect) \"/\" \"\"\r\na OK LIST completed\r\n"
        );
        c.run("b CREATE Work/2026").await;
        let list = c.run("c LIST \"\" %").await;
        let names: Vec<&str> = list.lines().filter_map(|l| l.rsplit(' ').next()).collect();
        assert_eq!(
            names,
            [
                "\"INBOX\"",
                "\"Drafts\"",
                "\"Junk\"",
                "\"Sent\"",
                "\"Trash\"",
                "\"Work\"",
                "completed"
            ]
        );
        assert!(
            list.contains("(\\HasNoChildren \\Subscribed \\Sent) \"/\" \"Sent\""),
            "{list}"
        );
        let list = c.run("d LIST Work/ %").await;
        assert!(
            list.starts_with("* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Work/2026\"\r\n"),
            "{list}"
        );
        let lsub = c.run("e LSUB \"\" Sent").await;
        assert_eq!(
            lsub,
            "* LSUB (\\HasNoChildren) \"/\" \"Sent\"\r\ne OK LSUB completed\r\n"
        );
    }
}
