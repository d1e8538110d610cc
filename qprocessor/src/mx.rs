//! Where to relay mail for a domain (RFC 5321 5.1, RFC 7505).

use mismo_core::dns::Resolver;
use rand::seq::SliceRandom;

/// What DNS says about a domain's mail hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MxPlan {
    /// Hosts to try, in this order.
    Hosts(Vec<String>),
    /// RFC 7505 null MX: the domain accepts no mail.
    NullMx,
    /// The domain does not exist.
    NoDomain,
    /// DNS could not answer now.
    Temporary(String),
}

/// Orders MX records by ascending preference, shuffling equal preferences
/// (RFC 5321 5.1) so load spreads across them.
pub fn order<R: rand::Rng + ?Sized>(mut records: Vec<(u16, String)>, rng: &mut R) -> Vec<String> {
    records.shuffle(rng);
    records.sort_by_key(|(pref, _)| *pref);
    records.into_iter().map(|(_, host)| host).collect()
}

/// Interprets a domain's MX records.
pub fn plan_from_records(domain: &str, records: Vec<(u16, String)>) -> MxPlan {
    let hosts: Vec<(u16, String)> = records
        .into_iter()
        .map(|(p, h)| (p, h.trim_end_matches('.').to_ascii_lowercase()))
        .collect();
    if hosts.iter().any(|(_, h)| h.is_empty()) {
        // A null MX, alone or (against RFC 7505) with others: no mail.
        return MxPlan::NullMx;
    }
    if hosts.is_empty() {
        // No MX: the domain itself is the implicit MX.
        return MxPlan::Hosts(vec![domain.to_string()]);
    }
    MxPlan::Hosts(order(hosts, &mut rand::rng()))
}

pub async fn plan(resolver: &Resolver, domain: &str) -> MxPlan {
    match mismo_core::dns::mx_records(resolver, domain).await {
        Ok(records) => plan_from_records(domain, records),
        Err(e) if e.is_nx_domain() => MxPlan::NoDomain,
        Err(e) if e.is_no_records_found() => plan_from_records(domain, Vec::new()),
        Err(e) => MxPlan::Temporary(format!("MX look-up of {domain} failed: {e}")),
    }
}

/// The addresses of one host, IPv4 first.
pub async fn addresses(resolver: &Resolver, host: &str) -> Result<Vec<std::net::IpAddr>, String> {
    if let Ok(ip) = host.parse() {
        return Ok(vec![ip]);
    }
    match resolver.lookup_ip(format!("{host}.")).await {
        Ok(ips) => {
            let mut ips: Vec<_> = ips.iter().collect();
            ips.sort_by_key(|ip| ip.is_ipv6());
            if ips.is_empty() {
                Err(format!("{host} has no address"))
            } else {
                Ok(ips)
            }
        }
        Err(e) => Err(format!("address look-up of {host} failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascending_preference_equal_ones_shuffled() {
        let records = vec![
            (20, "b".to_string()),
            (10, "a1".into()),
            (30, "c".into()),
            (10, "a2".into()),
        ];
        let mut seen_first = std::collections::HashSet::new();
        for _ in 0..200 {
            let hosts = order(records.clone(), &mut rand::rng());
            assert!(
                hosts[..2].contains(&"a1".to_string()) && hosts[..2].contains(&"a2".to_string())
            );
            assert_eq!(&hosts[2..], ["b", "c"]);
            seen_first.insert(hosts[0].clone());
        }
        assert_eq!(seen_first.len(), 2, "equal preferences are shuffled");
    }

    #[test]
    fn null_mx_and_implicit_mx() {
        assert_eq!(
            plan_from_records("x.test", vec![(0, ".".into())]),
            MxPlan::NullMx
        );
        assert_eq!(
            plan_from_records("x.test", vec![]),
            MxPlan::Hosts(vec!["x.test".into()])
        );
        assert_eq!(
            plan_from_records("x.test", vec![(10, "MX1.x.test.".into())]),
            MxPlan::Hosts(vec!["mx1.x.test".into()])
        );
    }
}
