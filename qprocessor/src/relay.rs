//! Relaying to remote MX hosts with lettre's SMTP client, STARTTLS whenever
//! offered, reusing a connection that has just carried a message to the same
//! address.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailParameter};
use lettre::Address as LettreAddress;
use mismo_core::dns::Resolver;

use crate::connection_cache::{Connection, ConnectionCache};
use crate::line_endings;
use crate::mx::{self, MxPlan};
use crate::outcome::Outcome;
use crate::relay_stream::RelayStream;

/// How long one SMTP step may take (RFC 5321 4.5.3.2 allows minutes; a
/// shorter bound keeps a stuck host from holding a delivery slot).
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Relay<'a> {
    pub resolver: &'a Resolver,
    pub connections: &'a ConnectionCache,
    pub port: u16,
    pub hostname: &'a str,
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
        domain: &str,
        mail_from: &str,
        rcpts: &[String],
        message: &[u8],
    ) -> Vec<Outcome> {
        let hosts = match mx::plan(self.resolver, domain).await {
            MxPlan::Hosts(h) => h,
            MxPlan::NullMx => {
                return all(
                    rcpts,
                    Outcome::Permanent(format!(
                        "556 5.1.10 {domain} accepts no mail (null MX, RFC 7505)"
                    )),
                )
            }
            MxPlan::NoDomain => {
                return all(
                    rcpts,
                    Outcome::Permanent(format!("550 5.1.2 domain {domain} does not exist")),
                )
            }
            MxPlan::Temporary(why) => {
                return all(rcpts, Outcome::Temporary(format!("451 4.4.3 {why}")))
            }
        };
        let mut outcomes: Vec<Option<Outcome>> = vec![None; rcpts.len()];
        let mut last_temporary = format!("451 4.4.1 no host of {domain} answered");
        let mut any_address = false;
        'hosts: for host in &hosts {
            let ips = match mx::addresses(self.resolver, host).await {
                Ok(ips) => ips,
                Err(why) => {
                    tracing::info!(%domain, %host, "{why}");
                    last_temporary = format!("451 4.4.3 {why}");
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
                        Some(Outcome::Temporary(why)) => {
                            tracing::info!(%host, %ip, rcpt = %rcpts[*i], "{why}");
                            last_temporary = why.clone();
                        }
                        Some(o) => {
                            tracing::info!(%host, %ip, rcpt = %rcpts[*i], "{}", o.text());
                            outcomes[*i] = Some(o.clone());
                        }
                        None => {}
                    }
                }
            }
        }
        if !any_address && hosts == [domain.to_string()] {
            // Implicit MX with no address: nowhere to deliver, ever.
            return all(
                rcpts,
                Outcome::Permanent(format!("550 5.1.2 {domain} has no MX and no address")),
            );
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Outcome::Temporary(last_temporary.clone())))
            .collect()
    }

    /// Connects, greets and, when offered, starts TLS; why not, as a 4xx.
    async fn open(&self, host: &str, addr: SocketAddr) -> Result<Connection, String> {
        let hello = ClientId::Domain(self.hostname.to_string());
        let stream = RelayStream::connect(addr, STEP_TIMEOUT)
            .await
            .map_err(|e| format!("451 4.4.1 {host}[{addr}]: {e}"))?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
            .await
            .map_err(|e| format!("451 4.4.1 {host}[{addr}]: {}", describe(&e)))?;
        if conn.can_starttls() {
            // Opportunistic TLS (RFC 3207): encrypt, but do not insist on a
            // certificate a public CA signed, as MTAs do without DANE/MTA-STS.
            let params = TlsParameters::builder(host.to_string())
                .dangerous_accept_invalid_certs(true)
                .dangerous_accept_invalid_hostnames(true)
                .build_rustls();
            let upgraded = match params {
                Ok(p) => conn.starttls(p, &hello).await,
                Err(e) => Err(e),
            };
            if let Err(e) = upgraded {
                return Err(format!(
                    "451 4.7.5 {host}[{addr}]: STARTTLS failed: {}",
                    describe(&e)
                ));
            }
        }
        Ok(Connection::fresh(conn))
    }

    async fn try_host(
        &self,
        host: &str,
        ip: IpAddr,
        mail_from: &str,
        rcpts: &[&str],
        message: &[u8],
    ) -> HostResult {
        let temp_all = |why: String| HostResult {
            outcomes: vec![Some(Outcome::Temporary(why)); rcpts.len()],
        };
        let sender = if mail_from.is_empty() {
            None
        } else {
            match mail_from.parse::<LettreAddress>() {
                Ok(a) => Some(a),
                Err(e) => {
                    return HostResult {
                        outcomes: vec![
                            Some(Outcome::Permanent(format!(
                                "553 5.1.7 sender {mail_from}: {e}"
                            )));
                            rcpts.len()
                        ],
                    }
                }
            }
        };
        let mut params = vec![MailParameter::Size(message.len())];
        if !message.is_ascii() {
            params.push(MailParameter::Body(
                lettre::transport::smtp::extension::MailBodyParameter::EightBitMime,
            ));
        }
        let mail = Mail::new(sender, params);
        let addr = SocketAddr::new(ip, self.port);
        let mut c = match self.connections.take(addr) {
            Some(c) => c,
            None => match self.open(host, addr).await {
                Ok(c) => c,
                Err(why) => return temp_all(why),
            },
        };
        let started = loop {
            match c.conn.command(mail.clone()).await {
                Ok(_) => break Ok(()),
                // A parked connection the server has closed or timed out
                // meanwhile: not this message's fault; start afresh.
                Err(_) if c.reused => {
                    c.conn.abort().await;
                    c = match self.open(host, addr).await {
                        Ok(c) => c,
                        Err(why) => return temp_all(why),
                    };
                }
                Err(e) => break Err(e),
            }
        };
        if let Err(e) = started {
            let outcome = error_outcome(host, addr, "MAIL", &e);
            c.conn.abort().await;
            return HostResult {
                outcomes: vec![Some(outcome); rcpts.len()],
            };
        }
        let mut outcomes: Vec<Option<Outcome>> = vec![None; rcpts.len()];
        let mut accepted = Vec::new();
        for (i, rcpt) in rcpts.iter().enumerate() {
            let address = match rcpt.parse::<LettreAddress>() {
                Ok(a) => a,
                Err(e) => {
                    outcomes[i] = Some(Outcome::Permanent(format!("553 5.1.3 <{rcpt}>: {e}")));
                    continue;
                }
            };
            match c.conn.command(Rcpt::new(address, vec![])).await {
                Ok(_) => accepted.push(i),
                Err(e) => outcomes[i] = Some(error_outcome(host, addr, "RCPT", &e)),
            }
        }
        if accepted.is_empty() {
            let _ = c.conn.quit().await;
            return HostResult { outcomes };
        }
        let sent = match c.conn.command(Data).await {
            Ok(_) => {
                c.conn
                    .message(line_endings::without_final_crlf(message))
                    .await
            }
            Err(e) => Err(e),
        };
        let result = match &sent {
            Ok(resp) => Outcome::Delivered(format!(
                "{} {} ({host}[{addr}])",
                resp.code(),
                resp.first_line().unwrap_or("")
            )),
            Err(e) => error_outcome(host, addr, "DATA", e),
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
}

fn all(rcpts: &[String], outcome: Outcome) -> Vec<Outcome> {
    vec![outcome; rcpts.len()]
}

fn describe(e: &lettre::transport::smtp::Error) -> String {
    e.to_string()
}

/// A refusal or failure during a step, by its reply code when there is one.
fn error_outcome(
    host: &str,
    addr: SocketAddr,
    step: &str,
    e: &lettre::transport::smtp::Error,
) -> Outcome {
    let text = format!("{host}[{addr}] said after {step}: {}", describe(e));
    match e.status() {
        Some(code) if e.is_permanent() => Outcome::Permanent(format!("{code} {text}")),
        Some(code) => Outcome::Temporary(format!("{code} {text}")),
        None => Outcome::Temporary(format!("451 4.4.2 {text}")),
    }
}
