//! An IMAP reader (RFC 9051 commands an IMAP4rev1 server also knows): logs
//! in once and keeps its session; every `imap_poll` seconds a NOOP brings
//! news of new messages, which it fetches (BODY.PEEK[]), then marks
//! \Deleted and expunges. Copies count as found once the EXPUNGE is done.

use std::sync::Arc;
use std::time::Duration;

use crate::ledger::Fault;
use crate::message::check;
use crate::wire::{SessionEnd, Wire, WireResult};
use crate::Run;

pub async fn read(run: Arc<Run>, mailbox: u32) {
    let pause = Duration::from_secs_f64(run.args.imap_poll);
    run.stagger(u64::from(mailbox)).await;
    loop {
        match session(&run, mailbox, pause).await {
            Ok(()) => return,
            Err(SessionEnd::TryLater(_)) => run.ledger.told_to_wait(),
            Err(SessionEnd::Broken(e)) => run
                .ledger
                .fault(Fault::Reading, format!("IMAP mailbox {mailbox}: {e}")),
        }
        if run.drained() {
            return;
        }
        run.pause(pause).await;
    }
}

/// A session that polls until the run is drained.
async fn session(run: &Run, mailbox: u32, pause: Duration) -> WireResult<()> {
    let args = &run.args;
    let mut s = Session {
        wire: Wire::connect(args.imap, args.source(args.clients + mailbox)).await?,
        tag: 0,
        exists: 0,
    };
    let greeting = s.wire.line().await?;
    if !greeting.starts_with("* OK") {
        return Err(SessionEnd::Broken(format!("greeting {greeting:?}")));
    }
    s.command(&format!(
        "LOGIN {} {}",
        quoted(&args.mailbox(mailbox)),
        quoted(&args.password)
    ))
    .await?;
    s.command("SELECT INBOX").await?;
    loop {
        let finishing = run.drained();
        if s.exists > 0 {
            let fetched = s.command("UID FETCH 1:* (UID BODY.PEEK[])").await?;
            let mut uids = Vec::new();
            let mut copies = Vec::new();
            for (text, literal) in fetched {
                let (Some(uid), Some(body)) = (uid_of(&text), literal) else {
                    continue;
                };
                uids.push(uid.to_string());
                copies.push((run.ledger.now(), check(&body)));
            }
            if !uids.is_empty() {
                s.command(&format!(
                    "UID STORE {} +FLAGS.SILENT (\\Deleted)",
                    uids.join(",")
                ))
                .await?;
                s.command("EXPUNGE").await?;
            }
            run.ledger.read("IMAP", mailbox, copies);
        }
        if finishing {
            let _ = s.command("LOGOUT").await;
            return Ok(());
        }
        run.pause(pause).await;
        s.command("NOOP").await?;
    }
}

struct Session {
    wire: Wire,
    tag: u32,
    /// Messages in the selected mailbox, as the server last said.
    exists: u32,
}

/// An untagged response: its text (literals left out) and its literal.
type Untagged = (String, Option<Vec<u8>>);

impl Session {
    /// Sends a command and reads up to its tagged OK; the untagged
    /// responses on the way, with EXISTS and EXPUNGE kept track of.
    async fn command(&mut self, command: &str) -> WireResult<Vec<Untagged>> {
        self.tag += 1;
        let tag = format!("r{}", self.tag);
        self.wire.send(&format!("{tag} {command}")).await?;
        let mut untagged = Vec::new();
        loop {
            let mut text = self.wire.line().await?;
            if let Some(rest) = text.strip_prefix(&format!("{tag} ")) {
                return if rest.starts_with("OK") {
                    Ok(untagged)
                } else if rest.starts_with("NO [UNAVAILABLE]") {
                    Err(SessionEnd::TryLater(rest.to_string()))
                } else {
                    Err(SessionEnd::Broken(format!("{command:?} answered {rest:?}")))
                };
            }
            let mut literal = None;
            // A line ending in {n} is followed by n octets, then the rest.
            while let Some(n) = literal_length(&text) {
                let bytes = self.wire.exact(n).await?;
                let more = self.wire.line().await?;
                text.push_str(&more);
                literal = Some(bytes);
            }
            self.track(&text);
            untagged.push((text, literal));
        }
    }

    fn track(&mut self, text: &str) {
        let mut words = text.split_whitespace();
        if words.next() != Some("*") {
            return;
        }
        let (Some(n), Some(what)) = (words.next(), words.next()) else {
            return;
        };
        let Ok(n) = n.parse::<u32>() else { return };
        match what.to_ascii_uppercase().as_str() {
            "EXISTS" => self.exists = n,
            "EXPUNGE" => self.exists = self.exists.saturating_sub(1),
            _ => {}
        }
    }
}

/// The n of a line ending in `{n}`.
fn literal_length(line: &str) -> Option<usize> {
    let open = line.strip_suffix('}')?.rfind('{')?;
    line[open + 1..line.len() - 1].parse().ok()
}

/// The UID in a FETCH response's text.
fn uid_of(text: &str) -> Option<u32> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .find(|w| w[0].eq_ignore_ascii_case("UID"))
        .and_then(|w| w[1].parse().ok())
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_lengths_are_read_off_the_line_end() {
        assert_eq!(literal_length("* 1 FETCH (UID 4 BODY[] {123}"), Some(123));
        assert_eq!(literal_length("* 1 FETCH (UID 4)"), None);
        assert_eq!(literal_length("* OK {x}"), None);
    }

    #[test]
    fn the_uid_is_found_before_or_after_the_literal() {
        assert_eq!(uid_of("* 3 FETCH (UID 17 BODY[] {5})"), Some(17));
        assert_eq!(uid_of("* 3 FETCH (BODY[] {5} UID 18)"), Some(18));
        assert_eq!(uid_of("* 3 FETCH (FLAGS (\\Seen))"), None);
    }

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quoted(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
