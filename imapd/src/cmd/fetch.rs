//! FETCH (RFC 9051 6.4.5): flags, UIDs, dates and sizes from the session's
//! view; ENVELOPE, BODYSTRUCTURE and sections from the message parsed
//! once; the whole message streamed from the store chunk by chunk. A
//! non-PEEK section sets `\Seen`.

use mail_parser::{Message, MessageParser};
use mismo_core::model::Flag;
use mismo_core::store::FlagChange;

use super::{CommandError, Outcome};
use crate::command::{FetchItem, Section, SectionText};
use crate::connection::Connection;
use crate::date::internal_date;
use crate::fetch_data;
use crate::sequence::SequenceSet;
use crate::session::State;
use crate::view::Msg;

/// Streamed output is written once it holds this much.
const STREAM_AT: usize = 256 * 1024;

/// What the items ask of each message.
struct Reads {
    /// Its bytes (all but a streamed BODY[] need them parsed).
    bytes: bool,
    /// Only its header block (ENVELOPE, header sections).
    headers_suffice: bool,
    /// `\Seen` is set (a non-PEEK section).
    sets_seen: bool,
}

impl Reads {
    fn of(items: &[FetchItem]) -> Self {
        Self {
            bytes: items.iter().any(needs_message),
            headers_suffice: items.iter().all(|i| !needs_message(i) || header_only(i)),
            sets_seen: items
                .iter()
                .any(|i| matches!(i, FetchItem::Section { peek: false, .. })),
        }
    }
}

/// One `* n FETCH (...)` response being written.
struct FetchLine {
    out: Vec<u8>,
    first: bool,
}

impl FetchLine {
    fn new(index: usize) -> Self {
        Self {
            out: format!("* {} FETCH (", index + 1).into_bytes(),
            first: true,
        }
    }

    /// Starts the next item: a space after the one before.
    fn next(&mut self) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b' ');
        }
        self.first = false;
        &mut self.out
    }

    fn push(&mut self, piece: &[u8]) {
        self.next().extend_from_slice(piece);
    }
}

impl Connection {
    pub(crate) async fn fetch(
        &mut self,
        tag: &str,
        set: &SequenceSet,
        uid: bool,
        mut items: Vec<FetchItem>,
        changed_since: Option<i64>,
    ) -> Outcome {
        let indexes = self.resolve(set, uid)?;
        if uid && !items.contains(&FetchItem::Uid) {
            items.insert(0, FetchItem::Uid);
        }
        if changed_since.is_some() {
            self.session.condstore = true;
        }
        if self.session.condstore && changed_since.is_some() && !items.contains(&FetchItem::ModSeq)
        {
            items.push(FetchItem::ModSeq);
        }
        let reads = Reads::of(&items);
        let State::Selected { read_only, .. } = self.session.state else {
            return Ok(());
        };
        for i in indexes {
            let msg = match &self.session.state {
                State::Selected { view, .. } => view.msgs[i].clone(),
                _ => break,
            };
            if changed_since.is_some_and(|c| msg.modseq <= c) {
                continue;
            }
            let seen_now = if reads.sets_seen && !read_only && !msg.has(Flag::Seen.as_str()) {
                self.mark_seen(i, &msg).await?
            } else {
                None
            };
            let (flags, modseq) = seen_now
                .clone()
                .unwrap_or_else(|| (msg.flags.clone(), msg.modseq));
            let bytes = if !reads.bytes {
                None
            } else if reads.headers_suffice {
                self.header_at(i).await?
            } else {
                self.message_bytes(i).await?
            };
            if reads.bytes && bytes.is_none() {
                // Expunged meanwhile elsewhere: nothing to send for it.
                continue;
            }
            let parsed = bytes
                .as_deref()
                .map(|b| MessageParser::default().parse(b).unwrap_or_default());
            let mut line = FetchLine::new(i);
            let mut gone = false;
            for item in &items {
                match item_data(item, &msg, &flags, modseq, parsed.as_ref()) {
                    Some(piece) => line.push(&piece),
                    None => {
                        if !self.stream_whole(i, item, &mut line).await? {
                            gone = true;
                            break;
                        }
                    }
                }
            }
            if gone {
                // Expunged elsewhere meanwhile: nothing more to send for it.
                continue;
            }
            // A section that set \Seen says so, unless FLAGS was asked.
            if seen_now.is_some() && !items.contains(&FetchItem::Flags) {
                line.push(format!("FLAGS ({})", flags.join(" ")).as_bytes());
            }
            line.out.extend_from_slice(b")\r\n");
            self.queue(&line.out).await?;
        }
        let done = if uid {
            "UID FETCH completed"
        } else {
            "FETCH completed"
        };
        self.ok(tag, "", done).await
    }

    /// Sets `\Seen` on message `index` (`msg` as the session knows it);
    /// its flags and mod-sequence now, if it was there to change.
    async fn mark_seen(
        &mut self,
        index: usize,
        msg: &Msg,
    ) -> Result<Option<(Vec<String>, i64)>, CommandError> {
        let State::Selected {
            mailbox, folder, ..
        } = &self.session.state
        else {
            return Ok(None);
        };
        let changed = self
            .server
            .store
            .change_flags(
                mailbox,
                &folder.id,
                &[msg.uid],
                FlagChange::Add(&[Flag::Seen.to_string()]),
            )
            .await?;
        let Some(e) = changed.first() else {
            return Ok(None);
        };
        if let State::Selected { view, .. } = &mut self.session.state {
            view.msgs[index].flags = e.flags.clone();
            view.msgs[index].modseq = e.modseq;
        }
        Ok(Some((e.flags.clone(), e.modseq)))
    }

    /// Writes `name {size}` and the message as delivered (or the item's
    /// partial window of it) after what `line` holds so far, chunk by
    /// chunk from the store, never whole in memory. False if the message
    /// is gone.
    async fn stream_whole(
        &mut self,
        index: usize,
        item: &FetchItem,
        line: &mut FetchLine,
    ) -> Result<bool, CommandError> {
        let FetchItem::Section {
            section,
            partial,
            legacy,
            ..
        } = item
        else {
            return Ok(true);
        };
        let name = match legacy {
            Some(n) => n.to_string(),
            None => section_name(section, partial.map(|p| p.0)),
        };
        let Some(entry) = self.entry_at(index).await? else {
            return Ok(false);
        };
        let added = entry.delivery_headers.as_bytes().to_vec();
        let total = added.len() as u64 + u64::try_from(entry.blob.size).unwrap_or(0);
        let (start, end) = match *partial {
            Some((s, l)) => (s.min(total), s.saturating_add(l).min(total)),
            None => (0, total),
        };
        let out = line.next();
        out.extend_from_slice(format!("{name} {{{}}}\r\n", end - start).as_bytes());
        // The part of `piece`, which starts at `at` in the message, that
        // falls in the window.
        let window = |piece: &[u8], at: u64, out: &mut Vec<u8>| {
            let b = at + piece.len() as u64;
            let (s, e) = (start.max(at), end.min(b));
            if s < e {
                out.extend_from_slice(&piece[(s - at) as usize..(e - at) as usize]);
            }
            b
        };
        let mut offset = window(&added, 0, &mut line.out);
        for n in 0..entry.blob.parts() {
            if offset >= end {
                break;
            }
            let chunk = self.server.store.read_chunk(&entry.blob, n).await?;
            offset = window(&chunk, offset, &mut line.out);
            if line.out.len() >= STREAM_AT {
                self.send(&line.out).await?;
                line.out.clear();
            }
        }
        Ok(true)
    }
}

/// An item's data for message `msg` with its current `flags` and
/// `modseq`, from the parsed message where the item looks inside; `None`
/// for the whole message when it was not read, which is streamed instead.
fn item_data(
    item: &FetchItem,
    msg: &Msg,
    flags: &[String],
    modseq: i64,
    parsed: Option<&Message>,
) -> Option<Vec<u8>> {
    let text = match item {
        FetchItem::Flags => format!("FLAGS ({})", flags.join(" ")),
        FetchItem::Uid => format!("UID {}", msg.uid),
        FetchItem::ModSeq => format!("MODSEQ ({modseq})"),
        FetchItem::InternalDate => format!("INTERNALDATE \"{}\"", internal_date(msg.received_at)),
        FetchItem::Size => format!("RFC822.SIZE {}", msg.size),
        FetchItem::Envelope => {
            let env = parsed.map(fetch_data::envelope).unwrap_or_default();
            format!("ENVELOPE {env}")
        }
        FetchItem::BodyStructure | FetchItem::Body => {
            let ext = matches!(item, FetchItem::BodyStructure);
            let bs = parsed
                .map(|m| fetch_data::body_structure(m, ext))
                .unwrap_or_default();
            let name = if ext { "BODYSTRUCTURE" } else { "BODY" };
            format!("{name} {bs}")
        }
        FetchItem::Section { .. } if is_whole(item) && parsed.is_none() => return None,
        FetchItem::Section {
            section,
            partial,
            legacy,
            ..
        } => {
            let data = parsed
                .and_then(|m| fetch_data::section(m, section))
                .unwrap_or_default();
            let (data, origin) = match partial {
                Some((start, len)) => {
                    let s = usize::try_from(*start)
                        .unwrap_or(usize::MAX)
                        .min(data.len());
                    let len = usize::try_from(*len).unwrap_or(usize::MAX);
                    let e = s.saturating_add(len).min(data.len());
                    (data[s..e].to_vec(), Some(*start))
                }
                None => (data, None),
            };
            let name = match legacy {
                Some(n) => n.to_string(),
                None => section_name(section, origin),
            };
            let mut piece = format!("{name} {{{}}}\r\n", data.len()).into_bytes();
            piece.extend_from_slice(&data);
            return Some(piece);
        }
    };
    Some(text.into_bytes())
}

/// Whether a FETCH item reads the message (BODY[] is streamed instead).
fn needs_message(item: &FetchItem) -> bool {
    !is_whole(item)
        && matches!(
            item,
            FetchItem::Envelope
                | FetchItem::BodyStructure
                | FetchItem::Body
                | FetchItem::Section { .. }
        )
}

/// Whether a FETCH item needs the header only.
fn header_only(item: &FetchItem) -> bool {
    use SectionText as T;
    match item {
        FetchItem::Envelope => true,
        FetchItem::Section { section, .. } => {
            section.part.is_empty()
                && matches!(
                    section.text,
                    T::Header | T::HeaderFields(_) | T::HeaderFieldsNot(_)
                )
        }
        _ => false,
    }
}

/// BODY[] (or RFC822): the whole message, which is streamed.
fn is_whole(item: &FetchItem) -> bool {
    matches!(item, FetchItem::Section { section, .. }
        if section.part.is_empty() && section.text == SectionText::Full)
}

/// The name a section's data is sent under, with the partial's origin.
fn section_name(section: &Section, origin: Option<u64>) -> String {
    use SectionText as T;
    let mut spec: Vec<String> = section.part.iter().map(u32::to_string).collect();
    match &section.text {
        T::Full => {}
        T::Header => spec.push("HEADER".into()),
        T::Text => spec.push("TEXT".into()),
        T::Mime => spec.push("MIME".into()),
        T::HeaderFields(f) => spec.push(format!("HEADER.FIELDS ({})", f.join(" "))),
        T::HeaderFieldsNot(f) => spec.push(format!("HEADER.FIELDS.NOT ({})", f.join(" "))),
    }
    let origin = origin.map(|o| format!("<{o}>")).unwrap_or_default();
    format!("BODY[{}]{origin}", spec.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::testing::Client;

    #[test]
    fn section_names() {
        let s = Section {
            part: vec![1, 2],
            text: SectionText::HeaderFields(vec!["FROM".into()]),
        };
        assert_eq!(
            section_name(&s, Some(5)),
            "BODY[1.2.HEADER.FIELDS (FROM)]<5>"
        );
    }

    const MESSAGE: &str = "From: Bob <bob@example.net>\r\nTo: zoe@example.org\r\nSubject: Lunch\r\nDate: Sun, 1 Feb 2026 10:00:00 +0000\r\nMessage-ID: <l1@example.net>\r\n\r\nSee you at noon.\r\n";

    #[tokio::test]
    async fn fetch_items_from_the_view_and_from_the_message() {
        let mut c = Client::signed_in().await;
        let entry = c.deliver(MESSAGE).await;
        c.run("a SELECT INBOX").await;
        let reply = c
            .run("b FETCH 1 (UID FLAGS RFC822.SIZE INTERNALDATE)")
            .await;
        let date = internal_date(entry.received_at);
        assert_eq!(
            reply,
            format!(
                "* 1 FETCH (UID 1 FLAGS () RFC822.SIZE {} INTERNALDATE \"{date}\")\r\nb OK FETCH completed\r\n",
                entry.size
            )
        );
        let reply = c.run("c FETCH 1 ENVELOPE").await;
        assert!(
            reply.starts_with("* 1 FETCH (ENVELOPE (\"Sun, 1 Feb 2026 10:00:00 +0000\" \"Lunch\" ((\"Bob\" NIL \"bob\" \"example.net\"))"),
            "{reply}"
        );
        let reply = c.run("d FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]").await;
        assert_eq!(
            reply,
            "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: Lunch\r\n\r\n)\r\nd OK FETCH completed\r\n"
        );
        // PEEK left \Seen alone; BODY[TEXT] sets it, and says so.
        let reply = c.run("e FETCH 1 BODY[TEXT]<4.3>").await;
        assert_eq!(
            reply,
            "* 1 FETCH (BODY[TEXT]<4> {3}\r\nyou FLAGS (\\Seen))\r\ne OK FETCH completed\r\n"
        );
        let reply = c.run("f UID FETCH 1 BODYSTRUCTURE").await;
        assert!(
            reply.starts_with("* 1 FETCH (UID 1 BODYSTRUCTURE (\"TEXT\" \"PLAIN\""),
            "{reply}"
        );
        assert_eq!(
            c.run("g FETCH 2 FLAGS").await,
            "g BAD Invalid message number\r\n"
        );
        assert_eq!(
            c.run("h UID FETCH 9 FLAGS").await,
            "h OK UID FETCH completed\r\n"
        );
    }

    #[tokio::test]
    async fn the_whole_message_is_streamed_and_windows_are_cut_from_it() {
        let mut c = Client::signed_in().await;
        let entry = c.deliver(MESSAGE).await;
        c.run("a EXAMINE INBOX").await;
        let whole = format!("{}{MESSAGE}", entry.delivery_headers);
        let reply = c.run("b FETCH 1 BODY[]").await;
        assert_eq!(
            reply,
            format!(
                "* 1 FETCH (BODY[] {{{}}}\r\n{whole})\r\nb OK FETCH completed\r\n",
                whole.len()
            )
        );
        // EXAMINE: BODY[] does not set \Seen.
        assert!(c
            .run("c FETCH 1 FLAGS")
            .await
            .starts_with("* 1 FETCH (FLAGS ())"));
        let reply = c.run("d FETCH 1 BODY.PEEK[]<0.4>").await;
        assert_eq!(
            reply,
            format!(
                "* 1 FETCH (BODY[]<0> {{4}}\r\n{})\r\nd OK FETCH completed\r\n",
                &whole[..4]
            )
        );
    }

    #[tokio::test]
    async fn changedsince_leaves_out_what_did_not_change() {
        let mut c = Client::signed_in().await;
        c.deliver(MESSAGE).await;
        c.deliver(MESSAGE).await;
        let highest = c.select_condstore("a").await;
        c.run("b STORE 2 +FLAGS.SILENT (\\Flagged)").await;
        let reply = c
            .run(&format!("c FETCH 1:* (FLAGS) (CHANGEDSINCE {highest})"))
            .await;
        assert!(
            reply.starts_with("* 2 FETCH (FLAGS (\\Flagged) MODSEQ ("),
            "{reply}"
        );
        assert!(!reply.contains("* 1 FETCH"), "{reply}");
    }
}
