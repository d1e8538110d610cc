//! The DNS records a hosted domain should publish (MX, SPF, DKIM, DMARC),
//! each looked up live and compared with what Mismo needs, as Mailcow's and
//! Stalwart's DNS pages do.

use serde::Serialize;

use super::{Admin, AdminResult};
use crate::dkim::DkimKey;
use crate::dns::{self, Answer, Resolver};

/// What a look-up found against what is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordStatus {
    /// Published as needed.
    Found,
    /// Nothing of the kind is published.
    Missing,
    /// Something of the kind is published, but not what Mismo needs.
    Different,
    /// The look-up itself failed (no answer, SERVFAIL); see the detail.
    Failed,
}

/// One record: what to publish, and what the look-up found.
#[derive(Debug, Clone, Serialize)]
pub struct RecordCheck {
    /// `MX`, `SPF`, `DKIM` or `DMARC`.
    pub kind: &'static str,
    /// The owner name, without the trailing dot.
    pub name: String,
    /// The record type as published (`MX` or `TXT`).
    pub rtype: &'static str,
    /// The value to publish.
    pub expected: String,
    pub status: RecordStatus,
    /// The records of the kind that were found, as published.
    pub published: Vec<String>,
    /// Why a look-up failed.
    pub detail: Option<String>,
}

/// The records to publish for `domain`, with mail exchanged at `mx_host`
/// and signed with `key`.
pub struct Wanted<'a> {
    pub domain: &'a str,
    pub mx_host: &'a str,
    pub key: &'a DkimKey,
}

impl Wanted<'_> {
    fn dmarc_value(&self) -> String {
        format!(
            "v=DMARC1; p=quarantine; rua=mailto:postmaster@{}",
            self.domain
        )
    }

    /// Every record as zone-file lines, ready to paste into a zone.
    pub fn zone_snippet(&self) -> String {
        let d = self.domain;
        [
            format!("{d}. IN MX 10 {}.", self.mx_host),
            format!("{d}. IN TXT \"v=spf1 mx -all\""),
            self.key.zone_line(),
            format!("_dmarc.{d}. IN TXT \"{}\"", self.dmarc_value()),
        ]
        .join("\n")
    }

    /// Looks every record up at once and compares.
    pub async fn check(&self, resolver: &Resolver) -> Vec<RecordCheck> {
        let d = self.domain;
        let (dkim_name, dkim_value) = self.key.txt_record();
        let dmarc_name = format!("_dmarc.{d}");
        let (mx, spf, dkim, dmarc) = tokio::join!(
            dns::mx(resolver, d),
            dns::txt(resolver, d),
            dns::txt(resolver, &dkim_name),
            dns::txt(resolver, &dmarc_name),
        );
        vec![
            self.mx(mx),
            compare("SPF", d, "v=spf1 mx -all".into(), spf, |r| {
                is_spf(r).then(|| spf_allows(r, self.mx_host))
            }),
            compare("DKIM", &dkim_name, dkim_value, dkim, |r| {
                is_dkim(r).then(|| tag(r, "p").map(strip) == Some(self.key.public_key.clone()))
            }),
            compare("DMARC", &dmarc_name, self.dmarc_value(), dmarc, |r| {
                is_dmarc(r).then_some(true)
            }),
        ]
    }

    fn mx(&self, answer: Result<Answer<(u16, String)>, String>) -> RecordCheck {
        let mut check = RecordCheck {
            kind: "MX",
            name: self.domain.into(),
            rtype: "MX",
            expected: format!("10 {}.", self.mx_host),
            status: RecordStatus::Missing,
            published: Vec::new(),
            detail: None,
        };
        match answer {
            Ok(Answer::Records(records)) if !records.is_empty() => {
                let ours = records.iter().any(|(_, host)| host == self.mx_host);
                check.status = if ours {
                    RecordStatus::Found
                } else {
                    RecordStatus::Different
                };
                check.published = records.iter().map(|(p, h)| format!("{p} {h}.")).collect();
            }
            Ok(_) => {}
            Err(e) => {
                check.status = RecordStatus::Failed;
                check.detail = Some(e);
            }
        }
        check
    }
}

/// A TXT record check: `judge` says, of each TXT record, `None` when it is
/// not of this kind, else whether it is what is needed.
fn compare(
    kind: &'static str,
    name: &str,
    expected: String,
    answer: Result<Answer<String>, String>,
    judge: impl Fn(&str) -> Option<bool>,
) -> RecordCheck {
    let mut check = RecordCheck {
        kind,
        name: name.into(),
        rtype: "TXT",
        expected,
        status: RecordStatus::Missing,
        published: Vec::new(),
        detail: None,
    };
    match answer {
        Ok(Answer::Records(records)) => {
            let judged: Vec<(String, bool)> = records
                .into_iter()
                .filter_map(|r| judge(&r).map(|good| (r, good)))
                .collect();
            if !judged.is_empty() {
                check.status = if judged.iter().any(|(_, good)| *good) {
                    RecordStatus::Found
                } else {
                    RecordStatus::Different
                };
            }
            check.published = judged.into_iter().map(|(r, _)| r).collect();
        }
        Ok(Answer::None) => {}
        Err(e) => {
            check.status = RecordStatus::Failed;
            check.detail = Some(e);
        }
    }
    check
}

fn is_spf(record: &str) -> bool {
    let record = record.trim_start().to_ascii_lowercase();
    record == "v=spf1" || record.starts_with("v=spf1 ")
}

/// Whether an SPF record lets the domain's MX hosts (or `mx_host` by
/// name) send: a `mx` mechanism, or `a:mx_host`, passing (RFC 7208 4.6.2:
/// no qualifier, or `+`).
fn spf_allows(record: &str, mx_host: &str) -> bool {
    let mx_host = mx_host.to_ascii_lowercase();
    record.split_whitespace().skip(1).any(|term| {
        let term = term.to_ascii_lowercase();
        let term = term.strip_prefix('+').unwrap_or(&term);
        term == "mx"
            || term.starts_with("mx:")
            || term.starts_with("mx/")
            || term.strip_prefix("a:") == Some(mx_host.as_str())
    })
}

fn is_dkim(record: &str) -> bool {
    // RFC 6376 3.6.1: v= is optional, but when present it comes first.
    let record = record.trim_start();
    record.starts_with("v=DKIM1") || tag(record, "p").is_some()
}

fn is_dmarc(record: &str) -> bool {
    // RFC 7489 6.4: v=DMARC1 first, exactly.
    let record = record.trim_start();
    record.starts_with("v=DMARC1") && tag(record, "p").is_some()
}

/// The value of tag `name` in a `tag=value; ...` list (DKIM, DMARC).
fn tag<'a>(record: &'a str, name: &str) -> Option<&'a str> {
    record.split(';').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        (k.trim() == name).then(|| v.trim())
    })
}

/// A value with its folding white space taken out (a key split over
/// several strings or lines).
fn strip(value: &str) -> String {
    value.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Admin<'_> {
    /// The domain's records to publish, checked through `resolver`; its
    /// DKIM key is made now if it has none yet, so the record shown is the
    /// key mail will be signed with.
    pub async fn check_records(
        &self,
        domain: &str,
        mx_host: &str,
        resolver: &Resolver,
    ) -> AdminResult<(Vec<RecordCheck>, String)> {
        let domain = self.domain(domain).await?.name;
        let key = self.store.dkim_key(&domain).await?;
        let wanted = Wanted {
            domain: &domain,
            mx_host,
            key: &key,
        };
        Ok((wanted.check(resolver).await, wanted.zone_snippet()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_must_let_the_mx_hosts_send() {
        assert!(spf_allows("v=spf1 mx -all", "mx.a.test"));
        assert!(spf_allows("v=spf1 +mx ~all", "mx.a.test"));
        assert!(spf_allows("v=spf1 a:MX.a.test -all", "mx.a.test"));
        assert!(!spf_allows("v=spf1 -mx ip4:192.0.2.1 -all", "mx.a.test"));
        assert!(!spf_allows("v=spf1 a:other.test -all", "mx.a.test"));
        assert!(is_spf("v=spf1 -all") && !is_spf("v=spf10 mx") && !is_spf("hello"));
    }

    #[test]
    fn tags_are_read_from_dkim_and_dmarc_records() {
        assert_eq!(
            tag("v=DKIM1; k=rsa; p=AB CD", "p").map(strip),
            Some("ABCD".into())
        );
        assert!(is_dmarc("v=DMARC1; p=none"));
        assert!(!is_dmarc("v=DMARC1"));
        assert!(!is_dmarc("p=none; v=DMARC1"));
        assert!(is_dkim("k=rsa; p=AB") && !is_dkim("v=spf1 mx"));
    }

    #[test]
    fn a_look_up_is_judged_found_different_missing_or_failed() {
        let judge = |r: &str| is_dmarc(r).then_some(true);
        let records = |rs: &[&str]| Ok(Answer::Records(rs.iter().map(|r| r.to_string()).collect()));
        let status = |answer| compare("DMARC", "_dmarc.a.test", "x".into(), answer, judge).status;
        assert_eq!(
            status(records(&["v=DMARC1; p=reject"])),
            RecordStatus::Found
        );
        assert_eq!(status(records(&["unrelated"])), RecordStatus::Missing);
        assert_eq!(status(Ok(Answer::None)), RecordStatus::Missing);
        assert_eq!(status(Err("timed out".into())), RecordStatus::Failed);
        let spf = |answer| {
            compare("SPF", "a.test", "x".into(), answer, |r| {
                is_spf(r).then(|| spf_allows(r, "mx.a.test"))
            })
            .status
        };
        assert_eq!(
            spf(records(&["v=spf1 ip4:192.0.2.1 -all"])),
            RecordStatus::Different
        );
    }
}
