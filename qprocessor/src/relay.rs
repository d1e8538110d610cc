//! Relaying to remote MX hosts with lettre's SMTP client, STARTTLS whenever
//! offered, reusing a connection that has just carried a message to the same
//! address.
//!
//! What the next hop offers decides what it is sent: 8-bit mail as is with
//! `BODY=8BITMIME`, or converted to 7-bit where 8BITMIME is not offered (RFC
//! 6152 3); SMTPUTF8 passed on where offered, and the message returned
//! where it is needed and not offered (RFC 6531 3.4); HELO where EHLO is
//! refused (RFC 1869 4.5). MAIL and RCPT are written here rather than with
//! lettre's typed commands, so the envelope leaves exactly as smtp-engine
//! accepted it, without a second address parser's opinion of it.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::Data;
use lettre::transport::smtp::extension::{ClientId, Extension};
use lettre::transport::smtp::response::Response;
use mismo_core::dkim::DkimKey;
use mismo_core::dns::Resolver;

use crate::connection_cache::{Connection, ConnectionCache};
use crate::line_endings;
use crate::mx::{self, MxPlan};
use crate::outcome::{Outcome, Remote, Step};
use crate::relay_stream::{Greeting, RelayStream};
use crate::seven_bit::NotConvertible;

/// How long one SMTP step may take (RFC 5321 4.5.3.2 allows minutes; a
/// shorter bound keeps a stuck host from holding a delivery slot).
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Relay<'a> {
    pub resolver: &'a Resolver,
    pub connections: &'a ConnectionCache,
    pub port: u16,
    pub hostname: &'a str,
}

/// A message as it may leave, in each form a next hop may need.
pub struct Outbound<'a> {
    /// With CRLF line ends, signed: for a host that takes 8-bit mail.
    pub bytes: &'a [u8],
    /// The same unsigned, to make the 7-bit form from.
    pub unsigned: &'a [u8],
    /// Whether it holds 8-bit octets at all.
    pub eight_bit: bool,
    /// The key `bytes` were signed with, to sign the 7-bit form too.
    pub key: Option<&'a DkimKey>,
    /// The 7-bit form, signed on its own, made the first time a host that
    /// offers no 8BITMIME needs it (most offer it, so most messages never
    /// pay for the conversion and the second signature).
    pub seven_bit: &'a OnceLock<Result<Vec<u8>, NotConvertible>>,
    /// The next hop must offer SMTPUTF8: the client asked for it and the
    /// envelope or the header holds UTF-8.
    pub smtputf8: bool,
}

impl Outbound<'_> {
    fn seven_bit(&self) -> Result<&[u8], NotConvertible> {
        self.seven_bit
            .get_or_init(|| {
                let seven = crate::seven_bit::downgrade(self.unsigned)?;
                Ok(crate::dkim::signed(self.key, &seven).into_owned())
            })
            .as_deref()
            .map_err(|e| *e)
    }
}

/// One attempt to hand mail to one host.
struct HostResult {
    /// Per recipient, in order; `None` for ones still to place.
    outcomes: Vec<Option<Outcome>>,
}

impl Relay<'_> {
    /// Delivers to `rcpts` (all of one domain); an outcome per recipient.
    pub async fn deliver(
        &self,
        id: &str,
        domain: &str,
        mail_from: &str,
        rcpts: &[String],
        message: &Outbound<'_>,
    ) -> Vec<Outcome> {
        let hosts = match mx::plan(self.resolver, domain).await {
            MxPlan::Hosts(h) => h,
            MxPlan::NullMx => {
                return all(
                    rcpts,
                    Outcome::permanent(format!(
                        "556 5.1.10 {domain} accepts no mail (null MX, RFC 7505)"
                    )),
                )
            }
            MxPlan::NoDomain => {
                return all(
                    rcpts,
                    Outcome::permanent(format!("550 5.1.2 domain {domain} does not exist")),
                )
            }
            MxPlan::Temporary(why) => {
                return all(rcpts, Outcome::temporary(format!("451 4.4.3 {why}")))
            }
        };
        let mut outcomes: Vec<Option<Outcome>> = vec![None; rcpts.len()];
        let mut last_temporary =
            Outcome::temporary(format!("451 4.4.1 no host of {domain} answered"));
        let mut any_address = false;
        'hosts: for host in &hosts {
            let ips = match mx::addresses(self.resolver, host).await {
                Ok(ips) => ips,
                Err(why) => {
                    tracing::info!(%domain, %host, "{why}");
                    last_temporary = Outcome::temporary(format!("451 4.4.3 {why}"));
                    continue;
                }
            };
            any_address = true;
            for ip in ips {
                let open: Vec<usize> = (0..rcpts.len())
                    .filter(|&i| outcomes[i].is_none())
                    .collect();
                if open.is_empty() {
                    break 'hosts;
                }
                let wanted: Vec<&str> = open.iter().map(|&i| rcpts[i].as_str()).collect();
                let result = self.try_host(host, ip, mail_from, &wanted, message).await;
                for (k, i) in open.iter().enumerate() {
                    match &result.outcomes[k] {
                        // 4xx from this host: the next one may do better.
                        Some(o) if o.is_temporary() => {
                            tracing::info!(
                                "{id}: to=<{}>, relay={host}[{ip}]:{}, dsn={}, trying the next host ({o})",
                                rcpts[*i],
                                self.port,
                                o.status_code()
                            );
                            last_temporary = o.clone();
                        }
                        Some(o) => outcomes[*i] = Some(o.clone()),
                        None => {}
                    }
                }
            }
        }
        if !any_address && hosts == [domain.to_string()] {
            // Implicit MX with no address: nowhere to deliver, ever.
            return all(
                rcpts,
                Outcome::permanent(format!("550 5.1.2 {domain} has no MX and no address")),
            );
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| last_temporary.clone()))
            .collect()
    }

    /// Connects and greets, with HELO where EHLO is refused (RFC 1869
    /// 4.5), and, when offered, starts TLS; why not, as an outcome.
    async fn open(&self, host: &str, addr: SocketAddr) -> Result<Connection, Outcome> {
        let refused_ehlo = |e: &lettre::transport::smtp::Error| {
            e.status()
                .is_some_and(|c| HELO_FALLBACK.contains(&c.to_string().as_str()))
        };
        let mut conn = match self.greet(host, addr, Greeting::Ehlo).await? {
            Ok(conn) => conn,
            Err(e) if refused_ehlo(&e) => {
                tracing::debug!(%host, %addr, "EHLO refused, trying HELO: {e}");
                return match self.greet(host, addr, Greeting::Helo).await? {
                    Ok(conn) => Ok(Connection::fresh(conn, false)),
                    Err(e) => Err(error_outcome(host, addr, Step::Greeting, &e)),
                };
            }
            Err(e) => return Err(error_outcome(host, addr, Step::Greeting, &e)),
        };
        if conn.can_starttls() {
            // Opportunistic TLS (RFC 3207): encrypt, but do not insist on a
            // certificate a public CA signed, as MTAs do without DANE/MTA-STS.
            let hello = ClientId::Domain(self.hostname.to_string());
            let params = TlsParameters::builder(host.to_string())
                .dangerous_accept_invalid_certs(true)
                .dangerous_accept_invalid_hostnames(true)
                .build_rustls();
            let upgraded = match params {
                Ok(p) => conn.starttls(p, &hello).await,
                Err(e) => Err(e),
            };
            if let Err(e) = upgraded {
                return Err(Outcome::temporary(format!(
                    "451 4.7.5 STARTTLS with {host}[{}] failed: {e}",
                    addr.ip()
                )));
            }
        }
        Ok(Connection::fresh(conn, true))
    }

    /// A session greeted with `greeting`: `Err` when the host could not be
    /// reached, `Ok(Err)` when it answered with a refusal.
    async fn greet(
        &self,
        host: &str,
        addr: SocketAddr,
        greeting: Greeting,
    ) -> Result<Result<AsyncSmtpConnection, lettre::transport::smtp::Error>, Outcome> {
        let hello = ClientId::Domain(self.hostname.to_string());
        let stream = RelayStream::connect(addr, STEP_TIMEOUT, greeting)
            .await
            .map_err(|e| Outcome::temporary(format!("451 4.4.1 connect to {host}[{addr}]: {e}")))?;
        Ok(AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello).await)
    }

    async fn try_host(
        &self,
        host: &str,
        ip: IpAddr,
        mail_from: &str,
        rcpts: &[&str],
        message: &Outbound<'_>,
    ) -> HostResult {
        let every = |o: Outcome| HostResult {
            outcomes: vec![Some(o); rcpts.len()],
        };
        if !plain_address(mail_from) {
            return every(Outcome::permanent(format!(
                "553 5.1.7 sender address {mail_from:?} cannot be relayed"
            )));
        }
        let addr = SocketAddr::new(ip, self.port);
        let mut c = match self.connections.take(addr) {
            Some(c) => c,
            None => match self.open(host, addr).await {
                Ok(c) => c,
                Err(o) => return every(o),
            },
        };
        let (body, mail) = match self.transaction(host, addr, &c, mail_from, message) {
            Ok(chosen) => chosen,
            Err(o) => {
                // Nothing was started on it: another message may use it.
                self.connections.park(addr, c).await;
                return every(o);
            }
        };
        let started = loop {
            match c.conn.command(&mail).await {
                Ok(_) => break Ok(()),
                // A parked connection the server has closed or timed out
                // meanwhile: not this message's fault; start afresh.
                Err(_) if c.reused => {
                    c.conn.abort().await;
                    c = match self.open(host, addr).await {
                        Ok(fresh) => fresh,
                        Err(o) => return every(o),
                    };
                }
                Err(e) => break Err(e),
            }
        };
        if let Err(e) = started {
            let outcome = error_outcome(host, addr, Step::Mail, &e);
            c.conn.abort().await;
            return every(outcome);
        }
        let mut outcomes: Vec<Option<Outcome>> = vec![None; rcpts.len()];
        let mut accepted = Vec::new();
        for (i, rcpt) in rcpts.iter().enumerate() {
            if !plain_address(rcpt) {
                outcomes[i] = Some(Outcome::permanent(format!(
                    "553 5.1.3 recipient address {rcpt:?} cannot be relayed"
                )));
                continue;
            }
            match c.conn.command(format!("RCPT TO:<{rcpt}>\r\n")).await {
                Ok(_) => accepted.push(i),
                Err(e) => outcomes[i] = Some(error_outcome(host, addr, Step::Rcpt, &e)),
            }
        }
        if accepted.is_empty() {
            let _ = c.conn.quit().await;
            return HostResult { outcomes };
        }
        let sent = match c.conn.command(Data).await {
            Ok(_) => c
                .conn
                .message(line_endings::without_final_crlf(body))
                .await
                .map_err(|e| (Step::EndOfData, e)),
            Err(e) => Err((Step::Data, e)),
        };
        let result = match &sent {
            Ok(resp) => Outcome::from_remote(
                &reply_text(resp),
                Remote {
                    host: host.to_string(),
                    addr,
                    step: Step::EndOfData,
                },
            ),
            Err((step, e)) => error_outcome(host, addr, *step, e),
        };
        for i in accepted {
            outcomes[i] = Some(result.clone());
        }
        // A finished transaction leaves the session ready for the next MAIL
        // (RFC 5321 3.3): park it for the next message to this address.
        if sent.is_ok() {
            self.connections.park(addr, c).await;
        } else {
            let _ = c.conn.quit().await;
        }
        HostResult { outcomes }
    }

    /// The bytes to send this host and the MAIL command announcing them,
    /// from what it offered; or why the message cannot go to it.
    fn transaction<'m>(
        &self,
        host: &str,
        addr: SocketAddr,
        c: &Connection,
        mail_from: &str,
        message: &'m Outbound<'_>,
    ) -> Result<(&'m [u8], String), Outcome> {
        let info = c.conn.server_info();
        let offers = |e: Extension| c.esmtp && info.supports_feature(e);
        let (utf8, eight) = (
            offers(Extension::SmtpUtfEight),
            offers(Extension::EightBitMime),
        );
        let ip = addr.ip();
        if message.smtputf8 && !utf8 {
            return Err(Outcome::permanent(format!(
                "550 5.6.7 SMTPUTF8 is required, but was not offered by host {host}[{ip}]"
            )));
        }
        // No SIZE: lettre does not tell whether the host offered it, and
        // RFC 1870 6 allows it only then.
        let mut mail = format!("MAIL FROM:<{mail_from}>");
        let body = if !message.eight_bit {
            message.bytes
        } else if eight || utf8 {
            mail.push_str(" BODY=8BITMIME");
            message.bytes
        } else {
            message.seven_bit().map_err(|why| {
                Outcome::permanent(format!(
                    "554 5.6.3 host {host}[{ip}] offers no 8BITMIME, and the message cannot be made 7-bit: {}",
                    why.reason()
                ))
            })?
        };
        if message.smtputf8 {
            mail.push_str(" SMTPUTF8");
        }
        mail.push_str("\r\n");
        Ok((body, mail))
    }
}

/// The EHLO refusals that mean "say HELO" (RFC 1869 4.5), rather than "go
/// away" (554) or "later" (4xx).
const HELO_FALLBACK: [&str; 5] = ["500", "501", "502", "504", "550"];

fn all(rcpts: &[String], outcome: Outcome) -> Vec<Outcome> {
    vec![outcome; rcpts.len()]
}

/// An address that can go between `<` and `>` on a command line as it is.
fn plain_address(address: &str) -> bool {
    !address
        .chars()
        .any(|c| c.is_control() || matches!(c, '<' | '>'))
}

/// A reply as the server sent it, its lines joined by spaces.
fn reply_text(resp: &Response) -> String {
    let text: Vec<&str> = resp.message().collect();
    format!("{} {}", resp.code(), text.join(" "))
}

/// A refusal or failure during a step: the host's own reply when there is
/// one, else what happened to the conversation.
fn error_outcome(
    host: &str,
    addr: SocketAddr,
    step: Step,
    e: &lettre::transport::smtp::Error,
) -> Outcome {
    match e.status() {
        Some(code) => {
            let text = std::error::Error::source(e)
                .map(|s| s.to_string())
                .unwrap_or_default();
            Outcome::from_remote(
                &format!("{code} {text}"),
                Remote {
                    host: host.to_string(),
                    addr,
                    step,
                },
            )
        }
        None => Outcome::temporary(format!(
            "451 4.4.2 conversation with {host}[{}] failed {}: {e}",
            addr.ip(),
            step.what_happened()
        )),
    }
}
