//! Sequence sets (RFC 9051 9, `sequence-set`): `1:4,7,9:*`, of message
//! numbers or of UIDs.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceSet {
    ranges: Vec<(Bound, Bound)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    Num(u32),
    /// `*`: the largest number in use.
    Star,
}

impl SequenceSet {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let mut ranges = Vec::new();
        for part in text.split(',') {
            let (a, b) = match part.split_once(':') {
                Some((a, b)) => (bound(a)?, bound(b)?),
                None => {
                    let n = bound(part)?;
                    (n, n)
                }
            };
            ranges.push((a, b));
        }
        if ranges.len() > 10_000 {
            return Err("Sequence set too long");
        }
        Ok(Self { ranges })
    }

    /// Whether `n` is in the set, `*` standing for `largest`.
    pub fn contains(&self, n: u32, largest: u32) -> bool {
        self.ranges.iter().any(|&(a, b)| {
            let a = a.value(largest);
            let b = b.value(largest);
            (a.min(b)..=a.max(b)).contains(&n)
        })
    }
}

impl SequenceSet {
    /// The largest number written out (not `*`).
    pub fn largest_number(&self) -> Option<u32> {
        self.ranges
            .iter()
            .flat_map(|&(a, b)| [a, b])
            .filter_map(|b| match b {
                Bound::Num(n) => Some(n),
                Bound::Star => None,
            })
            .max()
    }
}

impl Bound {
    fn value(self, largest: u32) -> u32 {
        match self {
            Bound::Num(n) => n,
            Bound::Star => largest,
        }
    }
}

fn bound(text: &str) -> Result<Bound, &'static str> {
    if text == "*" {
        return Ok(Bound::Star);
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Invalid sequence set");
    }
    match text.parse::<u32>() {
        Ok(n) if n > 0 => Ok(Bound::Num(n)),
        _ => Err("Invalid sequence set"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets() {
        let s = SequenceSet::parse("1:3,7,10:*").unwrap();
        let got: Vec<u32> = (1..=12).filter(|&n| s.contains(n, 11)).collect();
        assert_eq!(got, [1, 2, 3, 7, 10, 11]);
        // Reversed ranges and `*` below the start (RFC 9051 9).
        let s = SequenceSet::parse("5:2").unwrap();
        assert!(s.contains(3, 9) && !s.contains(6, 9));
        let s = SequenceSet::parse("20:*").unwrap();
        assert!(s.contains(8, 8), "* is 8, so 20:* is 8:20");
        for bad in ["", "0", "1:", "a", "1,,2", "-1", "99999999999"] {
            assert!(SequenceSet::parse(bad).is_err(), "{bad}");
        }
    }
}
