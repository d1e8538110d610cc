//! SEARCH (RFC 9051 6.4.4): every key, evaluated against one message.

use std::cell::{Cell, OnceCell};

use mail_parser::Message;

use crate::command::SearchKey;
use crate::view::Msg;

/// Whether the key looks inside messages (headers or text), so their bytes
/// must be read; flags, sizes and dates come from the listing.
pub fn needs_content(key: &SearchKey) -> bool {
    match key {
        SearchKey::Header(..)
        | SearchKey::Body(_)
        | SearchKey::Text(_)
        | SearchKey::SentBefore(_)
        | SearchKey::SentOn(_)
        | SearchKey::SentSince(_) => true,
        SearchKey::And(keys) => keys.iter().any(needs_content),
        SearchKey::Or(a, b) => needs_content(a) || needs_content(b),
        SearchKey::Not(k) => needs_content(k),
        _ => false,
    }
}

/// Whether the key looks at bodies (BODY, TEXT); the other content keys
/// need the header only.
pub fn needs_body(key: &SearchKey) -> bool {
    match key {
        SearchKey::Body(_) | SearchKey::Text(_) => true,
        SearchKey::And(keys) => keys.iter().any(needs_body),
        SearchKey::Or(a, b) => needs_body(a) || needs_body(b),
        SearchKey::Not(k) => needs_body(k),
        _ => false,
    }
}

/// Whether `key` certainly matches no message whose header block (or
/// whole message) is `raw`, seen without parsing it: a HEADER key (SUBJECT,
/// FROM and the like included), alone or within AND, one of whose words is
/// nowhere in `raw`. Parsing a header costs more than reading it, so a
/// header SEARCH parses only the messages that may match.
///
/// Sound only where decoding cannot make a word appear, so this answers
/// `false` (parse and see) when `raw` has an encoded word, a quoted pair or
/// any 8-bit byte (Unicode case folding can turn one into ASCII), or when a
/// word holds a character that decoding or the address form adds.
pub fn ruled_out(key: &SearchKey, raw: &[u8]) -> bool {
    match key {
        SearchKey::Header(_, value) => {
            let plain = raw.is_ascii()
                && memchr::memmem::find(raw, b"=?").is_none()
                && !raw.contains(&b'\\');
            if !plain {
                return false;
            }
            let lower = raw.to_ascii_lowercase();
            value
                .split_ascii_whitespace()
                .filter(|w| {
                    w.bytes()
                        .all(|b| b.is_ascii_graphic() && !b"\"\\<>(),".contains(&b))
                })
                .any(|w| memchr::memmem::find(&lower, w.to_ascii_lowercase().as_bytes()).is_none())
        }
        SearchKey::And(keys) => keys.iter().any(|k| ruled_out(k, raw)),
        _ => false,
    }
}

/// One message: its place, what the session knows of it, and its parsed
/// bytes when [`needs_content`] asked for them.
pub struct Candidate<'a> {
    pub seq: u32,
    pub count: u32,
    pub largest_uid: u32,
    pub msg: &'a Msg,
    pub content: Option<&'a Message<'a>>,
    /// Its text as the keys compare it, made once.
    pub texts: Texts,
}

/// A message's header and body text as SEARCH compares them, decoded and
/// lower-cased once per message, however many keys look at them: `NOT
/// BODY x` five hundred times decodes a body once, not five hundred times.
#[derive(Default)]
pub struct Texts {
    header: OnceCell<String>,
    body: OnceCell<String>,
    decoded: Cell<u32>,
}

impl Texts {
    fn header(&self, msg: &Message) -> &str {
        self.header.get_or_init(|| header_text(msg).to_lowercase())
    }

    /// Every text and HTML body part, decoded, a NUL between parts (so no
    /// needle matches across two).
    fn body(&self, msg: &Message) -> &str {
        self.body.get_or_init(|| {
            self.decoded.set(self.decoded.get() + 1);
            let texts = (0..msg.text_body.len()).filter_map(|i| msg.body_text(i));
            let htmls = (0..msg.html_body.len()).filter_map(|i| msg.body_html(i));
            texts
                .chain(htmls)
                .map(|t| t.to_lowercase())
                .collect::<Vec<_>>()
                .join("\0")
        })
    }

    /// How many times a body was decoded (tests count them).
    pub fn body_decodes(&self) -> u32 {
        self.decoded.get()
    }
}

/// The most keys one SEARCH may have that look inside messages (HEADER
/// and its kin, BODY, TEXT): each is a pass over every candidate's text,
/// so they bound the work one command can ask for.
pub const MAX_CONTENT_KEYS: usize = 32;

/// How many keys of `key` look inside messages.
pub fn content_keys(key: &SearchKey) -> usize {
    match key {
        SearchKey::Header(..) | SearchKey::Body(_) | SearchKey::Text(_) => 1,
        SearchKey::And(keys) => keys.iter().map(content_keys).sum(),
        SearchKey::Or(a, b) => content_keys(a) + content_keys(b),
        SearchKey::Not(k) => content_keys(k),
        _ => 0,
    }
}

const DAY_MS: i64 = 86_400_000;

pub fn matches(key: &SearchKey, c: &Candidate) -> bool {
    let m = c.msg;
    let day = m.received_at.div_euclid(DAY_MS);
    match key {
        SearchKey::All => true,
        SearchKey::And(keys) => keys.iter().all(|k| matches(k, c)),
        SearchKey::Or(a, b) => matches(a, c) || matches(b, c),
        SearchKey::Not(k) => !matches(k, c),
        SearchKey::Seq(set) => set.contains(c.seq, c.count),
        SearchKey::Uid(set) => set.contains(m.uid.get(), c.largest_uid),
        SearchKey::Flag(flag, set) => m.has(flag) == *set,
        // Mismo keeps no \Recent (RFC 9051 removed it): nothing is recent,
        // so nothing is NEW (recent and unseen) and everything is OLD.
        SearchKey::New | SearchKey::Recent => false,
        SearchKey::Old => true,
        SearchKey::Larger(n) => u64::try_from(m.size).unwrap_or(0) > *n,
        SearchKey::Smaller(n) => u64::try_from(m.size).unwrap_or(0) < *n,
        SearchKey::Before(d) => day < *d,
        SearchKey::On(d) => day == *d,
        SearchKey::Since(d) => day >= *d,
        SearchKey::ModSeq(n) => m.modseq >= *n,
        SearchKey::SentBefore(d) | SearchKey::SentOn(d) | SearchKey::SentSince(d) => {
            let Some(sent) = c.content.and_then(sent_day) else {
                return false;
            };
            match key {
                SearchKey::SentBefore(_) => sent < *d,
                SearchKey::SentOn(_) => sent == *d,
                _ => sent >= *d,
            }
        }
        SearchKey::Header(field, value) => c
            .content
            .is_some_and(|msg| header_contains(msg, field, value)),
        SearchKey::Body(text) => c
            .content
            .is_some_and(|msg| contains_lower(c.texts.body(msg), text)),
        SearchKey::Text(text) => c.content.is_some_and(|msg| {
            contains_lower(c.texts.body(msg), text) || contains_lower(c.texts.header(msg), text)
        }),
    }
}

fn sent_day(msg: &Message) -> Option<i64> {
    let date = msg.date()?;
    Some(date.to_timestamp().div_euclid(86_400))
}

/// Case-insensitive substring (RFC 9051 6.4.4), after decoding.
fn contains(haystack: &str, needle: &str) -> bool {
    contains_lower(&haystack.to_lowercase(), needle)
}

/// [`contains`] in a haystack lower-cased already.
fn contains_lower(haystack: &str, needle: &str) -> bool {
    needle.is_empty() || haystack.contains(&needle.to_lowercase())
}

fn header_text(msg: &Message) -> String {
    let root = msg.root_part();
    String::from_utf8_lossy(
        msg.raw_message()
            .get(root.offset_header as usize..root.offset_body as usize)
            .unwrap_or_default(),
    )
    .into_owned()
}

fn header_contains(msg: &Message, field: &str, value: &str) -> bool {
    // Decoded where the header is one mail-parser understands (encoded
    // words, address lists), and raw as well.
    let decoded = match field {
        "SUBJECT" => msg.subject().map(str::to_string),
        "FROM" => msg.from().map(address_text),
        "TO" => msg.to().map(address_text),
        "CC" => msg.cc().map(address_text),
        "BCC" => msg.bcc().map(address_text),
        _ => None,
    };
    if decoded.as_deref().is_some_and(|d| contains(d, value)) {
        return true;
    }
    msg.root_part().headers.iter().any(|h| {
        h.name.as_str().eq_ignore_ascii_case(field)
            && msg
                .raw_message()
                .get(h.offset_start as usize..h.offset_end as usize)
                .is_some_and(|raw| contains(&String::from_utf8_lossy(raw), value))
    })
}

fn address_text(a: &mail_parser::Address) -> String {
    a.iter()
        .map(|x| {
            format!(
                "{} <{}>",
                x.name.as_deref().unwrap_or(""),
                x.address.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::SearchKey as K;
    use crate::date::midnight;
    use crate::sequence::SequenceSet;
    use mail_parser::MessageParser;
    use mismo_core::model::Uid;

    fn msg(uid: u32, flags: &[&str], size: i64) -> Msg {
        Msg {
            id: format!("m{uid}"),
            uid: Uid::new(uid),
            flags: flags.iter().map(|f| f.to_string()).collect(),
            modseq: i64::from(uid),
            size,
            received_at: midnight(2026, 11, 23) * 1000 + 5000,
        }
    }

    /// `m`, parsed, as the one message of its folder.
    fn alone<'a>(m: &'a Msg, parsed: &'a mail_parser::Message<'a>) -> Candidate<'a> {
        Candidate {
            seq: 1,
            count: 1,
            largest_uid: 1,
            msg: m,
            content: Some(parsed),
            texts: Texts::default(),
        }
    }

    #[test]
    fn every_key() {
        let raw = b"From: Zo\xc3\xab <zoe@example.org>\r\nTo: bob@example.net\r\n\
Subject: =?utf-8?q?Caf=C3=A9?= plans\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n\
X-Tag: blue\r\n\r\nSee you at noon.\r\n";
        let parsed = MessageParser::default().parse(&raw[..]).unwrap();
        let m = msg(7, &["\\Seen", "$Work"], 500);
        let c = Candidate {
            seq: 2,
            count: 3,
            largest_uid: 9,
            msg: &m,
            content: Some(&parsed),
            texts: Texts::default(),
        };
        let today = midnight(2026, 11, 23) / 86_400;
        let set = |s| SequenceSet::parse(s).unwrap();
        let yes = [
            K::All,
            K::Seq(set("2")),
            K::Uid(set("5:*")),
            K::Flag("\\Seen".into(), true),
            K::Flag("$work".into(), true),
            K::Flag("\\Flagged".into(), false),
            K::Old,
            K::Larger(499),
            K::Smaller(501),
            K::On(today),
            K::Since(today),
            K::Before(today + 1),
            K::SentOn(today - 1),
            K::SentBefore(today),
            K::SentSince(today - 1),
            K::ModSeq(7),
            K::Header("SUBJECT".into(), "café".into()),
            K::Header("FROM".into(), "zoë".into()),
            K::Header("TO".into(), "BOB@".into()),
            K::Header("X-TAG".into(), "Blue".into()),
            K::Header("X-TAG".into(), String::new()),
            K::Body("noon".into()),
            K::Text("example.net".into()),
            K::Not(Box::new(K::Recent)),
            K::Or(Box::new(K::New), Box::new(K::Seq(set("1:2")))),
        ];
        for k in &yes {
            assert!(matches(k, &c), "{k:?}");
        }
        let no = [
            K::Seq(set("3")),
            K::Uid(set("1:6")),
            K::Flag("\\Seen".into(), false),
            K::New,
            K::Recent,
            K::Larger(500),
            K::Before(today),
            K::Since(today + 1),
            K::ModSeq(8),
            K::Header("CC".into(), "x".into()),
            K::Header("X-OTHER".into(), String::new()),
            K::Body("Café".into()),
            K::And(vec![K::All, K::Flag("\\Deleted".into(), true)]),
        ];
        for k in &no {
            assert!(!matches(k, &c), "{k:?}");
        }
        assert!(needs_content(&K::Not(Box::new(K::Body("x".into())))));
        assert!(needs_body(&K::Or(
            Box::new(K::All),
            Box::new(K::Text("x".into()))
        )));
        assert!(!needs_body(&K::Header("FROM".into(), "x".into())));
        assert!(!needs_content(&K::Or(Box::new(K::All), Box::new(K::Old))));
    }

    #[test]
    fn a_word_missing_from_the_raw_header_rules_a_message_out() {
        let subject = |v: &str| K::Header("SUBJECT".into(), v.into());
        let raw = b"From: \"Bob\" <bob@example.net>\r\nSubject: Lunch\r\n plans\r\n\r\n";
        assert!(ruled_out(&subject("dinner"), raw));
        assert!(ruled_out(&K::And(vec![K::All, subject("dinner")]), raw));
        // Folded words, other case, and words decoding may add stay in.
        assert!(!ruled_out(&subject("LUNCH plans"), raw));
        assert!(!ruled_out(
            &K::Header("FROM".into(), "Bob <bob@".into()),
            raw
        ));
        assert!(!ruled_out(&K::Not(Box::new(subject("dinner"))), raw));
        assert!(!ruled_out(
            &K::Or(Box::new(subject("dinner")), Box::new(K::All)),
            raw
        ));
        // Encoded words, quoted pairs and 8-bit text are left to the parser.
        let encoded = b"Subject: =?utf-8?q?Caf=C3=A9?= plans\r\n\r\n";
        assert!(!ruled_out(&subject("café"), encoded));
        assert!(!ruled_out(&subject("dinner"), encoded));
        assert!(!ruled_out(
            &subject("John"),
            b"From: \"Jo\\hn\" <j@x>\r\n\r\n"
        ));
        assert!(!ruled_out(
            &subject("key"),
            "Subject: \u{212a}ey\r\n\r\n".as_bytes()
        ));
        // Whatever is ruled out does not match when parsed either.
        for (key, raw) in [(subject("dinner"), &raw[..]), (subject("lunch"), &raw[..])] {
            let parsed = MessageParser::default().parse(raw).unwrap();
            let m = msg(1, &[], 10);
            let c = alone(&m, &parsed);
            assert_eq!(ruled_out(&key, raw), !matches(&key, &c), "{key:?}");
        }
    }

    #[test]
    fn a_body_is_decoded_once_however_many_keys_read_it() {
        let raw =
            b"Subject: s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee you at noon.\r\n";
        let parsed = MessageParser::default().parse(&raw[..]).unwrap();
        let m = msg(1, &[], 10);
        let c = alone(&m, &parsed);
        let many = K::And(
            (0..500)
                .map(|_| K::Not(Box::new(K::Body("zzz".into()))))
                .chain([K::Text("NOON".into())])
                .collect(),
        );
        assert!(matches(&many, &c));
        assert_eq!(c.texts.body_decodes(), 1);
        assert_eq!(content_keys(&many), 501);
    }
}
