//! The selected folder as one session sees it: message numbers, UIDs and
//! flags, and what to tell the client when the store shows a change made
//! elsewhere (delivery, POP3, webmail, another imapd).

use mismo_core::model::{MailboxEntry, Uid};

use crate::sequence::SequenceSet;

/// One message as the session knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub id: String,
    pub uid: Uid,
    pub flags: Vec<String>,
    pub modseq: i64,
    pub size: i64,
    pub received_at: i64,
}

impl Msg {
    pub fn from_entry(e: &MailboxEntry) -> Self {
        Self {
            id: e.id.clone(),
            uid: e.uid,
            flags: e.flags.clone(),
            modseq: e.modseq,
            size: e.size,
            received_at: e.received_at,
        }
    }

    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }
}

#[derive(Debug, Default)]
pub struct View {
    pub msgs: Vec<Msg>,
    /// Where the next read of changes starts: the folder's mod-sequence as
    /// the read before last found it. One read behind, because a change
    /// takes its mod-sequence a moment before it is written: a read that
    /// saw the number but not yet the write finds it the next time.
    read_from: i64,
    /// The folder's mod-sequence as the last read found it.
    last_read: i64,
    /// UIDs gone from the store but still shown, until a command that may
    /// report expunges.
    vanished: Vec<Uid>,
}

/// What changed since the session last looked, in the order to report it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Message numbers to report as `* n EXPUNGE`, each as it is at the
    /// moment it is sent.
    pub expunged: Vec<usize>,
    /// The new `* n EXISTS`, if the count changed or messages arrived.
    pub exists: Option<usize>,
    /// Messages (by index, after the above) whose flags changed.
    pub flags: Vec<usize>,
}

impl View {
    /// The folder as SELECT read it, at the folder's mod-sequence `modseq`.
    pub fn new(entries: &[MailboxEntry], modseq: i64) -> Self {
        Self {
            msgs: entries.iter().map(Msg::from_entry).collect(),
            read_from: modseq,
            last_read: modseq,
            vanished: Vec::new(),
        }
    }

    /// The mod-sequence from which to ask the store for changes.
    pub fn changes_since(&self) -> i64 {
        self.read_from
    }

    /// The largest UID the session knows.
    pub fn largest_uid(&self) -> Uid {
        self.msgs.last().map_or(Uid::default(), |m| m.uid)
    }

    /// The indexes a set names: message numbers, or UIDs with `uid`. A UID
    /// set's `*` is the largest UID (RFC 9051 6.4.8), so `n:*` always
    /// names at least the last message.
    pub fn resolve(&self, set: &SequenceSet, uid: bool) -> Vec<usize> {
        if uid {
            let largest = self.msgs.last().map_or(0, |m| m.uid.get());
            (0..self.msgs.len())
                .filter(|&i| set.contains(self.msgs[i].uid.get(), largest))
                .collect()
        } else {
            let n = u32::try_from(self.msgs.len()).unwrap_or(u32::MAX);
            (0..self.msgs.len())
                .filter(|&i| set.contains(i as u32 + 1, n))
                .collect()
        }
    }

    /// Whether a message-number set names numbers beyond the last message
    /// (RFC 9051 6.4.5: BAD for FETCH, STORE, COPY with such numbers).
    pub fn out_of_range(&self, set: &SequenceSet) -> bool {
        set.largest_number()
            .is_some_and(|n| n as usize > self.msgs.len())
    }

    pub fn uid_next(&self, floor: i64) -> i64 {
        self.msgs
            .last()
            .map_or(1, |m| i64::from(m.uid) + 1)
            .max(floor)
    }

    /// Takes in what changed since [`View::changes_since`] (`changed`:
    /// messages filed or whose flags changed; `vanished`: UIDs expunged),
    /// read when the folder was at mod-sequence `modseq`; returns what to
    /// tell the client. With `expunges` false, removed messages stay (their
    /// flags frozen) until a command that may report them (RFC 9051 7.5.1:
    /// no EXPUNGE during FETCH, STORE or SEARCH).
    pub fn apply(
        &mut self,
        changed: &[MailboxEntry],
        vanished: &[Uid],
        modseq: i64,
        expunges: bool,
    ) -> Changes {
        self.read_from = self.last_read;
        self.last_read = modseq;
        let mut changes = Changes::default();
        for uid in vanished {
            if !self.vanished.contains(uid) && self.position(*uid).is_some() {
                self.vanished.push(*uid);
            }
        }
        if expunges {
            for uid in std::mem::take(&mut self.vanished) {
                if let Some(i) = self.position(uid) {
                    self.msgs.remove(i);
                    changes.expunged.push(i + 1);
                }
            }
        }
        let largest = self.largest_uid();
        let before = self.msgs.len();
        for e in changed {
            if vanished.contains(&e.uid) || self.vanished.contains(&e.uid) {
                continue;
            }
            if e.uid > largest {
                if self.largest_uid() < e.uid {
                    self.msgs.push(Msg::from_entry(e));
                }
                continue;
            }
            let Some(i) = self.position(e.uid) else {
                continue;
            };
            let m = &mut self.msgs[i];
            // Older than what the session already knows (a read shared with
            // other sessions, made before this one's own STORE): not a
            // change, and never a step back.
            if e.modseq < m.modseq {
                continue;
            }
            if e.flags != m.flags {
                m.flags = e.flags.clone();
                changes.flags.push(i);
            }
            m.modseq = e.modseq;
        }
        if self.msgs.len() != before || !changes.expunged.is_empty() {
            changes.exists = Some(self.msgs.len());
        }
        changes
    }

    /// The index of the message with `uid`.
    fn position(&self, uid: Uid) -> Option<usize> {
        self.msgs.binary_search_by_key(&uid, |m| m.uid).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mismo_core::model::BlobRef;

    fn entry(uid: u32, flags: &[&str]) -> MailboxEntry {
        MailboxEntry {
            id: format!("m{uid}"),
            mailbox: "zoe@x.test".into(),
            blob: BlobRef {
                id: "b".into(),
                size: 10,
                chunks: 0,
                inline: None,
            },
            delivery_headers: String::new(),
            size: 10,
            received_at: 0,
            queue_id: "q".into(),
            from: None,
            subject: None,
            folder: "f".into(),
            uid: Uid::new(uid),
            flags: flags.iter().map(|f| f.to_string()).collect(),
            modseq: 1,
            header: None,
        }
    }

    #[test]
    fn sets_resolve_to_messages() {
        let v = View::new(&[entry(3, &[]), entry(7, &[]), entry(9, &[])], 1);
        let set = |s| SequenceSet::parse(s).unwrap();
        assert_eq!(v.resolve(&set("2:*"), false), [1, 2]);
        assert_eq!(v.resolve(&set("4:8"), true), [1]);
        assert_eq!(v.resolve(&set("10:*"), true), [2], "n:* names the last");
        assert_eq!(v.resolve(&set("1"), true), Vec::<usize>::new());
        assert_eq!(v.uid_next(1), 10);
        assert_eq!(v.uid_next(12), 12);
        assert!(!v.out_of_range(&set("1:3")));
        assert!(!v.out_of_range(&set("1:*")));
        assert!(v.out_of_range(&set("4")));
    }

    #[test]
    fn changes_elsewhere_are_reported() {
        let mut v = View::new(&[entry(1, &[]), entry(2, &[]), entry(3, &[])], 1);
        assert_eq!(v.changes_since(), 1);
        // 2 expunged elsewhere, 3 flagged, 4 and 5 delivered.
        let changed = [entry(3, &["\\Flagged"]), entry(4, &[]), entry(5, &[])];
        let gone = [Uid::new(2)];
        let held = v.apply(&changed, &gone, 4, false);
        assert_eq!(held.expunged, Vec::<usize>::new());
        assert_eq!(held.flags, [2]);
        assert_eq!(held.exists, Some(5));
        // The next read starts one read behind, and a repeat changes nothing
        // but what was held back.
        assert_eq!(v.changes_since(), 1);
        let c = v.apply(&changed, &gone, 4, true);
        assert_eq!(c.expunged, [2]);
        assert_eq!(c.exists, Some(4));
        assert_eq!(c.flags, Vec::<usize>::new());
        assert_eq!(v.changes_since(), 4);
        let uids: Vec<u32> = v.msgs.iter().map(|m| m.uid.get()).collect();
        assert_eq!(uids, [1, 3, 4, 5]);
        assert_eq!(v.apply(&[], &[], 4, true), Changes::default());
        // Expunges reported one by one, each number as it then is.
        let gone = [Uid::new(1), Uid::new(3), Uid::new(4)];
        let c = v.apply(&[], &gone, 5, true);
        assert_eq!(c.expunged, [1, 1, 1]);
        // A read older than what the session knows (its own STORE since)
        // changes nothing.
        let mut own = entry(5, &["\\Seen"]);
        own.modseq = 9;
        v.apply(&[own], &[], 5, true);
        let stale = entry(5, &[]);
        assert_eq!(v.apply(&[stale], &[], 5, true), Changes::default());
        assert_eq!(v.msgs[0].flags, ["\\Seen"]);
        // A UID filed and expunged between two reads is never shown.
        let c = v.apply(&[entry(6, &[])], &[Uid::new(6)], 6, true);
        assert_eq!(c, Changes::default());
        assert_eq!(v.msgs.len(), 1);
    }
}
