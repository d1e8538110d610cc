//! FETCH (RFC 9051 6.4.5): flags, UIDs, dates and sizes from the session's
//! view; ENVELOPE, BODYSTRUCTURE and sections from the message parsed
//! once; the whole message streamed from the store chunk by chunk. A
//! non-PEEK section sets `\Seen`.

use mail_parser::MessageParser;
use mismo_core::model::Flag;
use mismo_core::store::FlagChange;

use super::Outcome;
use crate::command::{FetchItem, Section, SectionText};
use crate::connection::Connection;
use crate::date::internal_date;
use crate::fetch_data;
use crate::sequence::SequenceSet;
use crate::session::State;

/// Streamed output is written once it holds this much.
const STREAM_AT: usize = 256 * 1024;

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
        // The whole message is streamed from the store; anything else
        // that looks inside reads and parses the message first.
        let needs_bytes = items.iter().any(needs_message);
        // ENVELOPE and header sections need no body.
        let headers_suffice = items.iter().all(|i| !needs_message(i) || header_only(i));
        let sets_seen = items
            .iter()
            .any(|i| matches!(i, FetchItem::Section { peek: false, .. }));
        let (mailbox, folder_id, read_only) = match &self.session.state {
            State::Selected {
                mailbox,
                folder,
                read_only,
                ..
            } => (mailbox.clone(), folder.id.clone(), *read_only),
            _ => return Ok(()),
        };
        for i in indexes {
            let msg = match &self.session.state {
                State::Selected { view, .. } => view.msgs[i].clone(),
                _ => break,
            };
            if changed_since.is_some_and(|c| msg.modseq <= c) {
                continue;
            }
            let mut flags = msg.flags.clone();
            let mut modseq = msg.modseq;
            let mut add_flags = false;
            if sets_seen && !read_only && !msg.has(Flag::Seen.as_str()) {
                let changed = self
                    .server
                    .store
                    .change_flags(
                        &mailbox,
                        &folder_id,
                        &[msg.uid],
                        FlagChange::Add(&[Flag::Seen.to_string()]),
                    )
                    .await?;
                if let Some(e) = changed.first() {
                    flags = e.flags.clone();
                    modseq = e.modseq;
                    if let State::Selected { view, .. } = &mut self.session.state {
                        view.msgs[i].flags = flags.clone();
                        view.msgs[i].modseq = modseq;
                    }
                    add_flags = !items.contains(&FetchItem::Flags);
                }
            }
            let bytes = if needs_bytes {
                let read = if headers_suffice {
                    self.header_at(i).await?
                } else {
                    self.message_bytes(i).await?
                };
                match read {
                    Some(b) => Some(b),
                    // Expunged meanwhile elsewhere: nothing to send for it.
                    None => continue,
                }
            } else {
                None
            };
            let parsed = bytes
                .as_deref()
                .map(|b| MessageParser::default().parse(b).unwrap_or_default());
            let mut out: Vec<u8> = format!("* {} FETCH (", i + 1).into_bytes();
            let mut first = true;
            let mut gone = false;
            fn push(out: &mut Vec<u8>, first: &mut bool, piece: &[u8]) {
                if !*first {
                    out.push(b' ');
                }
                *first = false;
                out.extend_from_slice(piece);
            }
            for item in items.iter() {
                match item {
                    FetchItem::Flags => push(
                        &mut out,
                        &mut first,
                        format!("FLAGS ({})", flags.join(" ")).as_bytes(),
                    ),
                    FetchItem::Uid => {
                        push(&mut out, &mut first, format!("UID {}", msg.uid).as_bytes())
                    }
                    FetchItem::ModSeq => push(
                        &mut out,
                        &mut first,
                        format!("MODSEQ ({modseq})").as_bytes(),
                    ),
                    FetchItem::InternalDate => push(
                        &mut out,
                        &mut first,
                        format!("INTERNALDATE \"{}\"", internal_date(msg.received_at)).as_bytes(),
                    ),
                    FetchItem::Size => push(
                        &mut out,
                        &mut first,
                        format!("RFC822.SIZE {}", msg.size).as_bytes(),
                    ),
                    FetchItem::Envelope => {
                        let env = parsed
                            .as_ref()
                            .map(fetch_data::envelope)
                            .unwrap_or_default();
                        push(&mut out, &mut first, format!("ENVELOPE {env}").as_bytes())
                    }
                    FetchItem::BodyStructure | FetchItem::Body => {
                        let ext = matches!(item, FetchItem::BodyStructure);
                        let bs = parsed
                            .as_ref()
                            .map(|m| fetch_data::body_structure(m, ext))
                            .unwrap_or_default();
                        let name = if ext { "BODYSTRUCTURE" } else { "BODY" };
                        push(&mut out, &mut first, format!("{name} {bs}").as_bytes())
                    }
                    FetchItem::Section {
                        section,
                        partial,
                        legacy,
                        ..
                    } if is_whole(item) && bytes.is_none() => {
                        let name = match legacy {
                            Some(n) => n.to_string(),
                            None => section_name(section, partial.map(|p| p.0)),
                        };
                        if !self
                            .stream_whole(i, &name, *partial, &mut out, first)
                            .await?
                        {
                            gone = true;
                            break;
                        }
                        first = false;
                    }
                    FetchItem::Section {
                        section,
                        partial,
                        legacy,
                        ..
                    } => {
                        let data = parsed
                            .as_ref()
                            .and_then(|m| fetch_data::section(m, section))
                            .unwrap_or_default();
                        let (data, origin) = match partial {
                            Some((start, len)) => {
                                let s = (*start as usize).min(data.len());
                                let e = (s + *len as usize).min(data.len());
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
                        push(&mut out, &mut first, &piece);
                    }
                }
            }
            if gone {
                // Expunged elsewhere meanwhile: nothing more to send for it.
                continue;
            }
            if add_flags {
                push(
                    &mut out,
                    &mut first,
                    format!("FLAGS ({})", flags.join(" ")).as_bytes(),
                );
            }
            out.extend_from_slice(b")\r\n");
            self.queue(&out).await?;
        }
        let done = if uid {
            "UID FETCH completed"
        } else {
            "FETCH completed"
        };
        self.ok(tag, "", done).await
    }

    /// Sends `out` so far, then `name {size}` and the message as delivered
    /// (or the `partial` window of it), chunk by chunk from the store, never
    /// whole in memory. False if the message is gone.
    async fn stream_whole(
        &mut self,
        index: usize,
        name: &str,
        partial: Option<(u64, u64)>,
        out: &mut Vec<u8>,
        first: bool,
    ) -> Result<bool, super::CommandError> {
        let Some(entry) = self.entry_at(index).await? else {
            return Ok(false);
        };
        let added = entry.delivery_headers.as_bytes().to_vec();
        let total = added.len() as u64 + u64::try_from(entry.blob.size).unwrap_or(0);
        let (start, end) = match partial {
            Some((s, l)) => (s.min(total), s.saturating_add(l).min(total)),
            None => (0, total),
        };
        if !first {
            out.push(b' ');
        }
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
        let mut offset = window(&added, 0, out);
        for n in 0..entry.blob.parts() {
            if offset >= end {
                break;
            }
            let chunk = self.server.store.read_chunk(&entry.blob, n).await?;
            offset = window(&chunk, offset, out);
            if out.len() >= STREAM_AT {
                self.send(out).await?;
                out.clear();
            }
        }
        Ok(true)
    }
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
