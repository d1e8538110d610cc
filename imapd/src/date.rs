//! IMAP's dates (RFC 9051 9: `date` and `date-time`), read and written
//! through mail-parser's `DateTime`, which does the calendar arithmetic.

use mail_parser::DateTime;
use mismo_core::display::{month_name, MONTHS};

const DAY: i64 = 86_400;

/// A `date` (`1-Feb-2026`, SEARCH's BEFORE, SINCE and the like) as days
/// since the epoch.
pub fn parse_date(text: &str) -> Result<i64, String> {
    let bad = || format!("Invalid date {text}");
    let mut parts = text.trim().split('-');
    let day: u8 = parts.next().and_then(|d| d.parse().ok()).ok_or_else(bad)?;
    let month = parts.next().ok_or_else(bad)?;
    let year: u16 = parts.next().and_then(|y| y.parse().ok()).ok_or_else(bad)?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))
        .ok_or_else(bad)? as u8
        + 1;
    if !(1..=31).contains(&day) || parts.next().is_some() {
        return Err(bad());
    }
    Ok(midnight(year, month, day).div_euclid(DAY))
}

/// Seconds since the epoch at the start of a day, UTC.
pub fn midnight(year: u16, month: u8, day: u8) -> i64 {
    DateTime {
        year,
        month,
        day,
        ..DateTime::default()
    }
    .to_timestamp()
}

/// INTERNALDATE's `date-time` of a stored time (ms), in UTC.
pub fn internal_date(ms: i64) -> String {
    let t = DateTime::from_timestamp(ms.div_euclid(1000));
    format!(
        "{:02}-{}-{} {:02}:{:02}:{:02} +0000",
        t.day,
        month_name(t.month),
        t.year,
        t.hour,
        t.minute,
        t.second
    )
}

/// APPEND's `date-time` (`"01-Feb-2026 10:00:00 +0100"`) as milliseconds.
pub fn parse_date_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_once(' ')?;
    let (time, zone) = rest.trim().split_once(' ')?;
    let day = parse_date(date).ok()?;
    let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let z: i64 = zone.get(1..5)?.parse().ok()?;
    let offset = sign * (z / 100 * 3600 + z % 100 * 60);
    Some((day * DAY + h * 3600 + m * 60 + s - offset) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1-Jan-1970"), Ok(0));
        assert_eq!(parse_date("23-nov-2026"), Ok(20_780));
        assert_eq!(parse_date("29-Feb-2024"), Ok(19_782));
        for bad in ["32-Jan-2026", "1-Foo-2026", "1-Jan", "1-Jan-2026-1", "x"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(midnight(2026, 11, 23), 20_780 * DAY);
    }

    #[test]
    fn date_times() {
        let ms = parse_date_time("01-Feb-2026 10:00:00 +0100").unwrap();
        assert_eq!(internal_date(ms), "01-Feb-2026 09:00:00 +0000");
        assert_eq!(internal_date(0), "01-Jan-1970 00:00:00 +0000");
        assert_eq!(
            parse_date_time(" 1-Mar-2024 00:30:00 -0130"),
            Some((19_783 * DAY + 30 * 60 + 90 * 60) * 1000)
        );
        assert!(parse_date_time("01-Feb-2026 25:00:00 +0000").is_none());
        assert!(parse_date_time("01-Feb-2026 10:00:00 0100").is_none());
        assert!(parse_date_time("01-Feb-2026").is_none());
    }
}
