//! Parsers for the value forms settings take. Each returns the expected form as
//! its error, so the caller can name the variable and say what would have worked.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

pub type Parsed<T> = Result<T, &'static str>;

/// `30s`, `5m`, `2h`, `5d`, `250ms`. A unit is required.
pub fn duration(value: &str) -> Parsed<Duration> {
    const EXPECTED: &str = "a duration with a unit, like 30s, 5m, 2h or 5d";
    let split = value.find(|c: char| !c.is_ascii_digit()).ok_or(EXPECTED)?;
    let (number, unit) = value.split_at(split);
    let n: u64 = number.parse().map_err(|_| EXPECTED)?;
    let secs = match unit {
        "ms" => return Ok(Duration::from_millis(n)),
        "s" => n,
        "m" => n.checked_mul(60).ok_or(EXPECTED)?,
        "h" => n.checked_mul(3600).ok_or(EXPECTED)?,
        "d" => n.checked_mul(86_400).ok_or(EXPECTED)?,
        _ => return Err(EXPECTED),
    };
    Ok(Duration::from_secs(secs))
}

/// A duration where a bare number means seconds (QUEUE_CYCLE_PERIOD).
pub fn seconds_or_duration(value: &str) -> Parsed<Duration> {
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return value
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| "a number of seconds, or a duration like 30s or 5m");
    }
    duration(value).map_err(|_| "a number of seconds, or a duration like 30s or 5m")
}

/// A non-zero duration.
pub fn positive_duration(value: &str) -> Parsed<Duration> {
    match duration(value)? {
        d if d.is_zero() => Err("a duration greater than zero, like 30s"),
        d => Ok(d),
    }
}

/// `5m,10m,30m`: at least one duration.
pub fn duration_list(value: &str) -> Parsed<Vec<Duration>> {
    const EXPECTED: &str = "a comma-separated list of durations, like 5m,10m,30m,1h";
    value
        .split(',')
        .map(|part| duration(part.trim()).map_err(|_| EXPECTED))
        .collect::<Result<Vec<_>, _>>()
        .and_then(|list| {
            if list.is_empty() {
                Err(EXPECTED)
            } else {
                Ok(list)
            }
        })
}

/// `ip:port`, like `0.0.0.0:2525` or `[::]:2525`.
pub fn socket_addr(value: &str) -> Parsed<SocketAddr> {
    value
        .parse()
        .map_err(|_| "an IP address and port, like 0.0.0.0:2525 or [::]:2525")
}

/// `10.0.0.5,10.0.0.6`: IP addresses, comma-separated; empty for none.
pub fn ip_list(value: &str) -> Parsed<Vec<IpAddr>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| part.parse())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "IP addresses separated by commas, like 10.0.0.5,10.0.0.6")
}

/// `ip:port`, or a bare IP meaning port 53 (DNS_RESOLVER).
pub fn dns_server(value: &str) -> Parsed<SocketAddr> {
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    value
        .parse()
        .map_err(|_| "an IP address with an optional port, like 127.0.0.1:53")
}

/// A whole number from 1 up.
pub fn positive_u32(value: &str) -> Parsed<u32> {
    match value.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("a whole number greater than zero"),
    }
}

/// A TCP port, 1-65535.
pub fn port(value: &str) -> Parsed<u16> {
    match value.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("a port number from 1 to 65535"),
    }
}

/// A size in bytes; `K`, `M` and `G` suffixes (powers of 1024) are accepted too.
pub fn byte_size(value: &str) -> Parsed<u64> {
    const EXPECTED: &str = "a number of bytes, optionally with K, M or G, like 26214400 or 25M";
    let (number, factor) = match value.char_indices().last() {
        Some((i, 'K' | 'k')) => (&value[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&value[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&value[..i], 1 << 30),
        _ => (value, 1),
    };
    let n: u64 = number.parse().map_err(|_| EXPECTED)?;
    match n.checked_mul(factor) {
        Some(bytes) if bytes > 0 => Ok(bytes),
        _ => Err(EXPECTED),
    }
}

/// `yes`/`no` (also `true`/`false`, `1`/`0`, `on`/`off`).
pub fn flag(value: &str) -> Parsed<bool> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" | "on" => Ok(true),
        "no" | "false" | "0" | "off" => Ok(false),
        _ => Err("yes or no"),
    }
}

/// `text`, `json` or `syslog`.
pub fn log_format(value: &str) -> Parsed<super::LogFormat> {
    match value.to_ascii_lowercase().as_str() {
        "text" => Ok(super::LogFormat::Text),
        "json" => Ok(super::LogFormat::Json),
        "syslog" => Ok(super::LogFormat::Syslog),
        _ => Err("text, json or syslog"),
    }
}

pub fn path(value: &str) -> Parsed<PathBuf> {
    Ok(PathBuf::from(value))
}

/// `mongodb://` or `mongodb+srv://`; the driver checks the rest when connecting.
pub fn mongodb_uri(value: &str) -> Parsed<String> {
    if value.starts_with("mongodb://") || value.starts_with("mongodb+srv://") {
        Ok(value.to_string())
    } else {
        Err("a MongoDB connection string starting with mongodb:// or mongodb+srv://")
    }
}

/// A MongoDB database name: 1-63 characters, none of `/\. "$*<>:|?`.
pub fn database_name(value: &str) -> Parsed<String> {
    const FORBIDDEN: &[char] = &['/', '\\', '.', ' ', '"', '$', '*', '<', '>', ':', '|', '?'];
    if value.is_empty() || value.len() > 63 || value.contains(FORBIDDEN) {
        Err("a database name of 1-63 characters without any of / \\ . space \" $ * < > : | ?")
    } else {
        Ok(value.to_string())
    }
}

/// A DNS host name: labels of letters, digits and hyphens.
pub fn host_name(value: &str) -> Parsed<String> {
    if crate::model::address::is_valid_domain(value) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err("a host name made of letters, digits, hyphens and dots, like mx1.example.org")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(duration("5d"), Ok(Duration::from_secs(432_000)));
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(duration("30").is_err());
        assert!(duration("s").is_err());
        assert!(duration("3w").is_err());
        assert!(duration("-3s").is_err());
        assert_eq!(seconds_or_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(seconds_or_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(positive_duration("0s").is_err());
    }

    #[test]
    fn lists_sizes_and_addresses() {
        assert_eq!(
            duration_list("5m, 1h"),
            Ok(vec![Duration::from_secs(300), Duration::from_secs(3600)])
        );
        assert!(duration_list("5m,,1h").is_err());
        assert_eq!(byte_size("25M"), Ok(25 << 20));
        assert_eq!(byte_size("1024"), Ok(1024));
        assert!(byte_size("0").is_err());
        assert!(byte_size("12X").is_err());
        assert_eq!(dns_server("127.0.0.1"), Ok("127.0.0.1:53".parse().unwrap()));
        assert!(socket_addr("localhost:25").is_err());
        assert!(port("0").is_err());
        assert!(positive_u32("0").is_err());
        assert_eq!(flag("YES"), Ok(true));
        assert!(flag("maybe").is_err());
        assert!(database_name("a.b").is_err());
        assert!(mongodb_uri("http://x").is_err());
    }
}
