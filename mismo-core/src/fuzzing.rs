//! The body of the `addresses` fuzz target (fuzz/fuzz_targets), also run
//! by the test that replays every input the fuzzer ever failed on
//! (tests/fuzz_regressions.rs): address parsing and the Sender Rewriting
//! Scheme, on any text, UTF-8 above all, since both read addresses from
//! the wire.

use crate::model::address::{self, Address};
use crate::srs::Srs;

const NOW: u64 = 1_795_000_000;

/// The first line is an envelope sender, the second the domain of the
/// alias that forwards its mail.
pub fn addresses(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let mut lines = text.split('\n');
    let sender = lines.next().unwrap_or("");
    let alias_domain = lines.next().unwrap_or("example.org");

    if let Ok(parsed) = Address::parse(sender) {
        // A parsed address reads back as itself.
        let again = Address::parse(&parsed.to_string()).expect("a parsed address parses");
        assert_eq!(again, parsed);
    }
    let (local, domain) = (address::local_part(sender), address::domain_part(sender));
    if address::split(sender).is_some() {
        assert_eq!(format!("{local}@{domain}"), sender);
    }

    let srs = Srs::new(b"fuzz");
    let _ = Srs::looks_like_srs(sender);
    let _ = srs.reverse(sender, NOW);
    let forwarded = srs.forward(sender, alias_domain, NOW);
    assert!(Srs::looks_like_srs(&forwarded), "{forwarded:?}");
    // What forwarding hides, reversing finds, where the sender is an
    // address whose domain the format can carry (SRS separates fields with
    // `=`), and which is not itself SRS (its inner sender is carried).
    let plain = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('=')
        && !alias_domain.contains('@')
        && !Srs::looks_like_srs(sender);
    if plain {
        assert_eq!(srs.reverse(&forwarded, NOW).as_deref(), Ok(sender));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn utf8_senders_round_trip() {
        for input in [
            "aliçe@far.test\nexample.org",
            "ç@x\ny",
            "SRS0ç@x\ny",
            "\n",
            "@\n@",
        ] {
            super::addresses(input.as_bytes());
        }
    }
}
