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
    pub fn new(entries: &[MailboxEntry]) -> Self {
        Self {
            msgs: entries.iter().map(Msg::from_entry).collect(),
        }
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

    /// Takes in the folder as the store shows it now; returns what to tell
    /// the client. With `expunges` false, removed messages stay (their
    /// flags frozen) until a command that may report them (RFC 9051 7.5.1:
    /// no EXPUNGE during FETCH, STORE or SEARCH).
    pub fn refresh(&mut self, now: &[MailboxEntry], expunges: bool) -> Changes {
        let mut changes = Changes::default();
        let mut present = std::collections::HashMap::with_capacity(now.len());
        for e in now {
            present.insert(e.uid, e);
        }
        if expunges {
            let mut i = 0;
            while i < self.msgs.len() {
                if present.contains_key(&self.msgs[i].uid) {
                    i += 1;
                } else {
                    self.msgs.remove(i);
                    changes.expunged.push(i + 1);
                }
            }
        }
        for (i, m) in self.msgs.iter_mut().enumerate() {
            if let Some(e) = present.get(&m.uid) {
                if e.flags != m.flags || e.modseq != m.modseq {
                    let flags_differ = e.flags != m.flags;
                    m.flags = e.flags.clone();
                    m.modseq = e.modseq;
                    if flags_differ {
                        changes.flags.push(i);
                    }
                }
            }
        }
        let largest = self.msgs.last().map_or(Uid::default(), |m| m.uid);
        let before = self.msgs.len();
        for e in now {
            if e.uid > largest {
                self.msgs.push(Msg::from_entry(e));
            }
        }
        if self.msgs.len() != before || !changes.expunged.is_empty() {
            changes.exists = Some(self.msgs.len());
        }
        changes
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
        let v = View::new(&[entry(3, &[]), entry(7, &[]), entry(9, &[])]);
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
        let mut v = View::new(&[entry(1, &[]), entry(2, &[]), entry(3, &[])]);
        // 2 expunged elsewhere, 3 flagged, 4 and 5 delivered.
        let now = [
            entry(1, &[]),
            entry(3, &["\\Flagged"]),
            entry(4, &[]),
            entry(5, &[]),
        ];
        let held = v.refresh(&now, false);
        assert_eq!(held.expunged, Vec::<usize>::new());
        assert_eq!(held.flags, [2]);
        assert_eq!(held.exists, Some(5));
        let c = v.refresh(&now, true);
        assert_eq!(c.expunged, [2]);
        assert_eq!(c.exists, Some(4));
        let uids: Vec<u32> = v.msgs.iter().map(|m| m.uid.get()).collect();
        assert_eq!(uids, [1, 3, 4, 5]);
        assert_eq!(v.refresh(&now, true), Changes::default());
        // Expunges reported one by one, each number as it then is.
        let c = v.refresh(&[entry(5, &[])], true);
        assert_eq!(c.expunged, [1, 1, 1]);
    }
}
