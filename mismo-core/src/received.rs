//! The Received trace header put on top of each message that enters the
//! queue here (RFC 5321 4.4, with the protocol names of RFC 3848 and, for
//! SMTPUTF8 transactions, RFC 6531 3.7.3): by an engine for SMTP, by
//! webmail for what a user sends from the browser.

use std::net::IpAddr;

/// How the message came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Smtp {
        esmtp: bool,
        /// The transaction asked for SMTPUTF8 (MAIL ... SMTPUTF8).
        utf8: bool,
    },
    /// Webmail's compose form.
    Http,
}

pub struct Trace<'a> {
    pub helo: &'a str,
    pub client_ip: IpAddr,
    pub hostname: &'a str,
    pub via: Via,
    pub tls: bool,
    pub authenticated: bool,
    pub id: &'a str,
    /// Named only when the message has a single recipient, so one recipient
    /// does not learn about the others.
    pub single_recipient: Option<&'a str>,
    /// Seconds since the epoch.
    pub time: i64,
}

impl Trace<'_> {
    pub fn header(&self) -> String {
        let protocol = match self.via {
            Via::Smtp { esmtp, utf8 } => {
                let mut p = String::from(match (utf8, esmtp) {
                    (true, _) => "UTF8SMTP",
                    (false, true) => "ESMTP",
                    (false, false) => "SMTP",
                });
                if self.tls {
                    p.push('S');
                }
                if self.authenticated {
                    p.push('A');
                }
                p
            }
            Via::Http => "HTTP".to_string(),
        };
        let date = mail_builder::headers::date::Date::new(self.time).to_rfc822();
        let ip = match self.client_ip {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("IPv6:{ip}"),
        };
        let helo: String = self
            .helo
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '(' | ')'))
            .take(255)
            .collect();
        let for_clause = match self.single_recipient {
            Some(r) => format!("\r\n\tfor <{r}>"),
            None => String::new(),
        };
        format!(
            "Received: from {helo} ([{ip}])\r\n\tby {host} (Mismo) with {protocol} id {id}{for_clause};\r\n\t{date}\r\n",
            host = self.hostname,
            id = self.id,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An authenticated ESMTP session over TLS with one recipient.
    fn trace() -> Trace<'static> {
        Trace {
            helo: "client.far.test",
            client_ip: "127.0.0.1".parse().unwrap(),
            hostname: "mx.example.org",
            via: Via::Smtp {
                esmtp: true,
                utf8: false,
            },
            tls: true,
            authenticated: true,
            id: "01ABC",
            single_recipient: Some("zoe@example.org"),
            time: 0,
        }
    }

    #[test]
    fn header_shape() {
        let t = trace();
        let h = t.header();
        assert!(h.starts_with("Received: from client.far.test ([127.0.0.1])\r\n\tby mx.example.org (Mismo) with ESMTPSA id 01ABC\r\n\tfor <zoe@example.org>;\r\n\t"), "{h}");
        assert!(h.ends_with("1970 00:00:00 +0000\r\n"), "{h}");
        let plain = Trace {
            via: Via::Smtp {
                esmtp: false,
                utf8: false,
            },
            tls: false,
            authenticated: false,
            single_recipient: None,
            helo: "evil (x)",
            ..t
        };
        let h = plain.header();
        assert!(h.contains("with SMTP id"), "{h}");
        assert!(h.starts_with("Received: from evil x ([127.0.0.1])"), "{h}");
        assert!(!h.contains("for <"));
    }

    #[test]
    fn every_protocol_keyword() {
        for (utf8, tls, authenticated, keyword) in [
            (false, false, false, "ESMTP"),
            (false, false, true, "ESMTPA"),
            (false, true, false, "ESMTPS"),
            (false, true, true, "ESMTPSA"),
            (true, false, false, "UTF8SMTP"),
            (true, false, true, "UTF8SMTPA"),
            (true, true, false, "UTF8SMTPS"),
            (true, true, true, "UTF8SMTPSA"),
        ] {
            let h = Trace {
                via: Via::Smtp { esmtp: true, utf8 },
                tls,
                authenticated,
                ..trace()
            }
            .header();
            assert!(
                h.contains(&format!(" with {keyword} id ")),
                "{keyword}: {h}"
            );
        }
    }

    #[test]
    fn webmail_names_http() {
        let h = Trace {
            via: Via::Http,
            helo: "webmail",
            ..trace()
        }
        .header();
        assert!(
            h.starts_with("Received: from webmail ([127.0.0.1])\r\n\tby mx.example.org (Mismo) with HTTP id 01ABC\r\n"),
            "{h}"
        );
    }
}
