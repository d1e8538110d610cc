//! One settings struct per binary, built from shared parts.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::sending::SendLimits;

use super::values as v;
use super::{ConfigError, Env, FromEnv};

/// Where the store is and how long to wait for it.
#[derive(Debug, Clone, Serialize)]
pub struct StoreSettings {
    pub uri: String,
    pub database: String,
    /// Bound on server selection and on each store operation: a store that does
    /// not answer is reported as an error after this long, never a hang.
    pub timeout: Duration,
}

impl FromEnv for StoreSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            uri: env.get(
                "MONGODB_URI",
                "mongodb://127.0.0.1:27017/?directConnection=true".into(),
                v::mongodb_uri,
            )?,
            database: env.get("MONGODB_DB", "mismo".into(), v::database_name)?,
            timeout: env.get(
                "MONGODB_TIMEOUT",
                Duration::from_secs(10),
                v::positive_duration,
            )?,
        })
    }
}

/// What every service needs to know about the node it runs on.
#[derive(Debug, Clone, Serialize)]
pub struct NodeSettings {
    pub hostname: String,
    pub data_dir: PathBuf,
    /// Both set, or neither (then a self-signed pair is generated in `data_dir`).
    pub tls: Option<TlsFiles>,
    pub log: LogSettings,
}

/// Where and how a service logs (read again by [`crate::telemetry`], which
/// starts before the other settings).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LogSettings {
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Lines on stderr, each tagged with the service's name.
    #[default]
    Text,
    /// One JSON object per line on stderr.
    Json,
    /// The local syslog, facility `mail`, as Postfix logs.
    Syslog,
}

impl FromEnv for LogSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            format: env.get("MISMO_LOG_FORMAT", LogFormat::Text, v::log_format)?,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The machine's fully qualified name: its host name if that has a dot,
/// else the canonical name the resolver gives for it (as `hostname -f`),
/// else the bare host name, which [`NodeSettings`] warns about.
fn default_hostname() -> String {
    let Some(short) = hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .and_then(|h| v::host_name(&h).ok())
    else {
        return "localhost".into();
    };
    if short.contains('.') {
        return short;
    }
    let hints = dns_lookup::AddrInfoHints {
        flags: libc::AI_CANONNAME,
        ..Default::default()
    };
    dns_lookup::getaddrinfo(Some(&short), None, Some(hints))
        .ok()
        .and_then(|mut found| found.next())
        .and_then(|first| first.ok()?.canonname)
        .filter(|c| c.contains('.'))
        .and_then(|c| v::host_name(&c).ok())
        .unwrap_or(short)
}

impl FromEnv for NodeSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let cert = env.get_opt("TLS_CERT_PATH", v::path)?;
        let key = env.get_opt("TLS_KEY_PATH", v::path)?;
        let tls = match (cert, key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::Incomplete {
                    var: "TLS_CERT_PATH",
                    other: "TLS_KEY_PATH",
                })
            }
            (None, Some(_)) => {
                return Err(ConfigError::Incomplete {
                    var: "TLS_KEY_PATH",
                    other: "TLS_CERT_PATH",
                })
            }
        };
        let hostname = env.get("MISMO_HOSTNAME", default_hostname(), v::host_name)?;
        if !hostname.contains('.') {
            // Relayed mail says EHLO with this name, and receivers refuse
            // one that is not fully qualified (Postfix's
            // reject_non_fqdn_helo_hostname).
            tracing::warn!(
                "MISMO_HOSTNAME {hostname:?} is not a fully qualified domain name; \
                 other mail servers will refuse it as a HELO name: set MISMO_HOSTNAME"
            );
        }
        Ok(Self {
            hostname,
            data_dir: env.get("MISMO_DATA_DIR", PathBuf::from("./data"), v::path)?,
            tls,
            log: LogSettings::from_env(env)?,
        })
    }
}

/// smtp-engine.
#[derive(Debug, Clone, Serialize)]
pub struct SmtpSettings {
    pub store: StoreSettings,
    pub node: NodeSettings,
    pub listen: SocketAddr,
    pub submission_listen: SocketAddr,
    pub smtps_listen: SocketAddr,
    pub status_listen: SocketAddr,
    pub max_clients: u32,
    pub max_clients_per_host: u32,
    pub max_message_size: u64,
    /// A session waiting this long for a command is closed with 421.
    pub idle_timeout: Duration,
    /// The longest one DATA section or one BDAT chunk may take to arrive
    /// (RFC 5321 4.5.3.2.6), so a client stalled inside it cannot hold a
    /// connection slot.
    pub data_timeout: Duration,
    /// The longest a whole session may last, however busy.
    pub session_timeout: Duration,
    /// After SIGTERM, how long sessions in progress may take to finish.
    pub drain_timeout: Duration,
    /// Load balancers (HAProxy with `send-proxy-v2`) whose connections start
    /// with a PROXY protocol header naming the real client.
    pub proxy_protocol_from: Vec<IpAddr>,
    pub send_limits: SendLimits,
    /// AUTH_CACHE_TTL: how long a verified SMTP AUTH is remembered.
    pub auth_cache_ttl: Duration,
}

impl FromEnv for SmtpSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            store: StoreSettings::from_env(env)?,
            node: NodeSettings::from_env(env)?,
            listen: env.get("SMTP_LISTEN", ([0, 0, 0, 0], 2525).into(), v::socket_addr)?,
            submission_listen: env.get(
                "SMTP_SUBMISSION_LISTEN",
                ([0, 0, 0, 0], 2587).into(),
                v::socket_addr,
            )?,
            smtps_listen: env.get("SMTPS_LISTEN", ([0, 0, 0, 0], 2465).into(), v::socket_addr)?,
            status_listen: env.get(
                "SMTP_STATUS_LISTEN",
                ([0, 0, 0, 0], 3005).into(),
                v::socket_addr,
            )?,
            max_clients: env.get("SMTP_MAX_CLIENTS", 1000, v::positive_u32)?,
            max_clients_per_host: env.get("SMTP_MAX_CLIENTS_PER_HOST", 20, v::positive_u32)?,
            max_message_size: env.get("SMTP_MAX_MESSAGE_SIZE", 26_214_400, v::byte_size)?,
            idle_timeout: env.get(
                "SMTP_IDLE_TIMEOUT",
                Duration::from_secs(300),
                v::positive_duration,
            )?,
            data_timeout: env.get(
                "SMTP_DATA_TIMEOUT",
                Duration::from_secs(600),
                v::positive_duration,
            )?,
            session_timeout: env.get(
                "SMTP_SESSION_TIMEOUT",
                Duration::from_secs(3600),
                v::positive_duration,
            )?,
            drain_timeout: env.get(
                "SMTP_DRAIN_TIMEOUT",
                Duration::from_secs(30),
                v::positive_duration,
            )?,
            proxy_protocol_from: env.get("SMTP_PROXY_PROTOCOL_FROM", Vec::new(), v::ip_list)?,
            send_limits: send_limits(env)?,
            auth_cache_ttl: auth_cache_ttl(env)?,
        })
    }
}

/// qprocessor.
#[derive(Debug, Clone, Serialize)]
pub struct QueueSettings {
    pub store: StoreSettings,
    pub node: NodeSettings,
    pub cycle_period: Duration,
    pub concurrency: u32,
    pub dns_resolver: Option<SocketAddr>,
    pub relay_port: u16,
    pub retry_schedule: Vec<Duration>,
    pub max_queue_lifetime: Duration,
    /// How long a claim holds before another qprocessor may take the message
    /// (a worker that died stops renewing nothing; its work is due again).
    pub lease: Duration,
}

impl FromEnv for QueueSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        Ok(Self {
            store: StoreSettings::from_env(env)?,
            node: NodeSettings::from_env(env)?,
            cycle_period: env.get(
                "QUEUE_CYCLE_PERIOD",
                Duration::from_secs(30),
                v::seconds_or_duration,
            )?,
            concurrency: env.get("QPROCESSOR_CONCURRENCY", 64, v::positive_u32)?,
            dns_resolver: env.get_opt("DNS_RESOLVER", v::dns_server)?,
            relay_port: env.get("RELAY_PORT", 25, v::port)?,
            retry_schedule: env.get(
                "RETRY_SCHEDULE",
                [5, 10, 30, 60, 120, 240, 480].map(minutes).to_vec(),
                v::duration_list,
            )?,
            max_queue_lifetime: env.get(
                "MAX_QUEUE_LIFETIME",
                Duration::from_secs(5 * 86_400),
                v::positive_duration,
            )?,
            lease: env.get(
                "QUEUE_LEASE",
                Duration::from_secs(600),
                v::positive_duration,
            )?,
        })
    }
}

/// What the two mail readers, pop3d and imapd, both read.
#[derive(Debug, Clone, Serialize)]
pub struct ReaderSettings {
    pub store: StoreSettings,
    pub node: NodeSettings,
    pub listen: SocketAddr,
    /// The implicit-TLS port (POP3S, IMAPS).
    pub tls_listen: SocketAddr,
    /// Accept passwords before STLS/STARTTLS. Off by default (RFC 2595
    /// section 2.2, RFC 9051 11.1: LOGINDISABLED until TLS).
    pub allow_plaintext_auth: bool,
    /// A session waiting this long for a command is closed.
    pub idle_timeout: Duration,
    /// Connections this process serves at once, and from one address:
    /// above either, a client is refused at connect.
    pub max_clients: u32,
    pub max_clients_per_host: u32,
    /// AUTH_CACHE_TTL: how long a verified login is remembered.
    pub auth_cache_ttl: Duration,
}

/// The variables one reader's settings come from, with their defaults.
struct ReaderVariables {
    listen: (&'static str, u16),
    tls_listen: (&'static str, u16),
    allow_plaintext_auth: &'static str,
    idle_timeout: (&'static str, Duration),
    max_clients: &'static str,
    max_clients_per_host: &'static str,
}

impl ReaderSettings {
    fn from_env(env: &Env, vars: ReaderVariables) -> Result<Self, ConfigError> {
        let any = |port: u16| SocketAddr::from(([0, 0, 0, 0], port));
        Ok(Self {
            store: StoreSettings::from_env(env)?,
            node: NodeSettings::from_env(env)?,
            listen: env.get(vars.listen.0, any(vars.listen.1), v::socket_addr)?,
            tls_listen: env.get(vars.tls_listen.0, any(vars.tls_listen.1), v::socket_addr)?,
            allow_plaintext_auth: env.get(vars.allow_plaintext_auth, false, v::flag)?,
            idle_timeout: env.get(
                vars.idle_timeout.0,
                vars.idle_timeout.1,
                v::positive_duration,
            )?,
            max_clients: env.get(vars.max_clients, 5000, v::positive_u32)?,
            max_clients_per_host: env.get(vars.max_clients_per_host, 50, v::positive_u32)?,
            auth_cache_ttl: auth_cache_ttl(env)?,
        })
    }
}

/// pop3d.
#[derive(Debug, Clone, Serialize)]
pub struct Pop3Settings {
    #[serde(flatten)]
    pub reader: ReaderSettings,
    /// How long a maildrop lock outlives a pop3d that stopped refreshing it.
    pub lock_ttl: Duration,
}

impl FromEnv for Pop3Settings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let vars = ReaderVariables {
            listen: ("POP3_LISTEN", 1110),
            tls_listen: ("POP3S_LISTEN", 1995),
            allow_plaintext_auth: "POP3_ALLOW_PLAINTEXT_AUTH",
            // RFC 1939: at least 10 minutes.
            idle_timeout: ("POP3_IDLE_TIMEOUT", Duration::from_secs(600)),
            max_clients: "POP3_MAX_CLIENTS",
            max_clients_per_host: "POP3_MAX_CLIENTS_PER_HOST",
        };
        Ok(Self {
            reader: ReaderSettings::from_env(env, vars)?,
            lock_ttl: env.get(
                "POP3_LOCK_TTL",
                Duration::from_secs(60),
                v::positive_duration,
            )?,
        })
    }
}

/// imapd.
#[derive(Debug, Clone, Serialize)]
pub struct ImapSettings {
    #[serde(flatten)]
    pub reader: ReaderSettings,
}

impl FromEnv for ImapSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let vars = ReaderVariables {
            listen: ("IMAP_LISTEN", 1143),
            tls_listen: ("IMAPS_LISTEN", 1993),
            allow_plaintext_auth: "IMAP_ALLOW_PLAINTEXT_AUTH",
            // RFC 9051 5.4: at least 30 minutes; IDLE is ended and may be
            // renewed after it.
            idle_timeout: ("IMAP_IDLE_TIMEOUT", Duration::from_secs(30 * 60)),
            max_clients: "IMAP_MAX_CLIENTS",
            max_clients_per_host: "IMAP_MAX_CLIENTS_PER_HOST",
        };
        Ok(Self {
            reader: ReaderSettings::from_env(env, vars)?,
        })
    }
}

impl std::ops::Deref for Pop3Settings {
    type Target = ReaderSettings;

    fn deref(&self) -> &ReaderSettings {
        &self.reader
    }
}

impl std::ops::Deref for ImapSettings {
    type Target = ReaderSettings;

    fn deref(&self) -> &ReaderSettings {
        &self.reader
    }
}

/// A web application: admin-console or webmail.
#[derive(Debug, Clone, Serialize)]
pub struct WebSettings {
    pub store: StoreSettings,
    pub node: NodeSettings,
    pub listen: SocketAddr,
    /// WEB_TRUSTED_PROXIES: the TLS proxies or load balancers whose
    /// `X-Forwarded-For` names the real client. From anyone else the header
    /// is ignored, so a client cannot choose whose login budget it spends.
    pub trusted_proxies: Vec<IpAddr>,
}

impl WebSettings {
    /// The store, the node, and where the app listens (`listen`, or
    /// `default` where it is unset).
    fn from_env(env: &Env, listen: &'static str, default: SocketAddr) -> Result<Self, ConfigError> {
        Ok(Self {
            store: StoreSettings::from_env(env)?,
            node: NodeSettings::from_env(env)?,
            listen: env.get(listen, default, v::socket_addr)?,
            trusted_proxies: env.get("WEB_TRUSTED_PROXIES", Vec::new(), v::ip_list)?,
        })
    }
}

/// admin-console.
#[derive(Debug, Clone, Serialize)]
pub struct AdminSettings {
    pub web: WebSettings,
    /// Where domain verification and the DNS record checks ask.
    pub dns_resolver: Option<SocketAddr>,
}

impl FromEnv for AdminSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            web: WebSettings::from_env(env, "ADMIN_LISTEN", ([127, 0, 0, 1], 8080).into())?,
            dns_resolver: env.get_opt("DNS_RESOLVER", v::dns_server)?,
        })
    }
}

/// webmail.
#[derive(Debug, Clone, Serialize)]
pub struct WebmailSettings {
    pub web: WebSettings,
    /// SMTP_MAX_MESSAGE_SIZE: webmail sends under submission's limit.
    pub max_message_size: u64,
    /// Webmail's sends count toward submission's hourly limits.
    pub send_limits: SendLimits,
}

impl FromEnv for WebmailSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            web: WebSettings::from_env(env, "WEBMAIL_LISTEN", ([0, 0, 0, 0], 8081).into())?,
            max_message_size: env.get("SMTP_MAX_MESSAGE_SIZE", 26_214_400, v::byte_size)?,
            send_limits: send_limits(env)?,
        })
    }
}

/// AUTH_CACHE_TTL: how long a process remembers a verified login (zero:
/// not at all).
fn auth_cache_ttl(env: &Env) -> Result<Duration, ConfigError> {
    env.get(
        "AUTH_CACHE_TTL",
        Duration::from_secs(60),
        v::seconds_or_duration,
    )
}

/// SEND_LIMIT_*: what one authenticated mailbox may send an hour.
fn send_limits(env: &Env) -> Result<SendLimits, ConfigError> {
    let default = SendLimits::default();
    Ok(SendLimits {
        messages_per_hour: env.get(
            "SEND_LIMIT_MESSAGES_PER_HOUR",
            default.messages_per_hour,
            v::positive_u32,
        )?,
        recipients_per_hour: env.get(
            "SEND_LIMIT_RECIPIENTS_PER_HOUR",
            default.recipients_per_hour,
            v::positive_u32,
        )?,
    })
}

/// mismoctl: the store, plus the resolver `domain verify` asks.
#[derive(Debug, Clone, Serialize)]
pub struct CtlSettings {
    pub store: StoreSettings,
    pub dns_resolver: Option<SocketAddr>,
}

impl FromEnv for CtlSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            store: StoreSettings::from_env(env)?,
            dns_resolver: env.get_opt("DNS_RESOLVER", v::dns_server)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn defaults_match_the_spec() {
        let e = env(&[]);
        let smtp = SmtpSettings::from_env(&e).unwrap();
        assert_eq!(
            smtp.store.uri,
            "mongodb://127.0.0.1:27017/?directConnection=true"
        );
        assert_eq!(smtp.store.database, "mismo");
        assert_eq!(smtp.node.data_dir, PathBuf::from("./data"));
        assert!(smtp.node.tls.is_none());
        assert!(!smtp.node.hostname.is_empty());
        assert_eq!(smtp.listen, "0.0.0.0:2525".parse().unwrap());
        assert_eq!(smtp.submission_listen, "0.0.0.0:2587".parse().unwrap());
        assert_eq!(smtp.smtps_listen, "0.0.0.0:2465".parse().unwrap());
        assert_eq!(smtp.status_listen, "0.0.0.0:3005".parse().unwrap());
        assert_eq!(smtp.max_clients, 1000);
        assert_eq!(smtp.max_clients_per_host, 20);
        assert!(
            smtp.proxy_protocol_from.is_empty(),
            "no balancer is trusted unless named"
        );
        assert_eq!(smtp.max_message_size, 26_214_400);

        let q = QueueSettings::from_env(&e).unwrap();
        assert_eq!(q.cycle_period, Duration::from_secs(30));
        assert_eq!(q.concurrency, 64);
        assert_eq!(q.dns_resolver, None);
        assert_eq!(q.relay_port, 25);
        let mins: Vec<u64> = q.retry_schedule.iter().map(|d| d.as_secs() / 60).collect();
        assert_eq!(mins, [5, 10, 30, 60, 120, 240, 480]);
        assert_eq!(q.max_queue_lifetime, Duration::from_secs(5 * 86_400));

        let p = Pop3Settings::from_env(&e).unwrap();
        assert_eq!(p.listen, "0.0.0.0:1110".parse().unwrap());
        assert_eq!(p.tls_listen, "0.0.0.0:1995".parse().unwrap());
        assert!(!p.allow_plaintext_auth);
        assert_eq!((p.max_clients, p.max_clients_per_host), (5000, 50));
        let i = ImapSettings::from_env(&e).unwrap();
        assert_eq!((i.max_clients, i.max_clients_per_host), (5000, 50));

        let a = AdminSettings::from_env(&e).unwrap();
        assert_eq!(a.web.listen, "127.0.0.1:8080".parse().unwrap());
        let w = WebmailSettings::from_env(&e).unwrap();
        assert_eq!(w.web.listen, "0.0.0.0:8081".parse().unwrap());
        assert_eq!(w.max_message_size, 26_214_400);
    }

    #[test]
    fn values_given_are_used() {
        let e = env(&[
            (
                "MONGODB_URI",
                "mongodb://db1:27017,db2:27017/?replicaSet=rs0",
            ),
            ("MONGODB_DB", "mail"),
            ("MISMO_HOSTNAME", "MX1.Example.ORG"),
            ("TLS_CERT_PATH", "/etc/c.pem"),
            ("TLS_KEY_PATH", "/etc/k.pem"),
            ("SMTP_MAX_MESSAGE_SIZE", "10M"),
            ("QUEUE_CYCLE_PERIOD", "2m"),
            ("RETRY_SCHEDULE", "1s,2s"),
            ("DNS_RESOLVER", "127.0.0.1:5353"),
            ("SMTP_LISTEN", " "),
        ]);
        let s = SmtpSettings::from_env(&e).unwrap();
        assert_eq!(s.store.database, "mail");
        assert_eq!(s.node.hostname, "mx1.example.org");
        assert_eq!(s.node.tls.unwrap().key, PathBuf::from("/etc/k.pem"));
        assert_eq!(s.max_message_size, 10 << 20);
        assert_eq!(
            s.listen,
            "0.0.0.0:2525".parse().unwrap(),
            "blank means default"
        );
        let q = QueueSettings::from_env(&e).unwrap();
        assert_eq!(q.cycle_period, Duration::from_secs(120));
        assert_eq!(q.retry_schedule.len(), 2);
        assert_eq!(q.dns_resolver, Some("127.0.0.1:5353".parse().unwrap()));
    }

    /// Every variable, given a malformed value, is refused with its own name.
    #[test]
    fn each_malformed_value_names_its_variable() {
        let cases: &[(&str, &str)] = &[
            ("MONGODB_URI", "localhost:27017"),
            ("MONGODB_DB", "my.db"),
            ("MONGODB_TIMEOUT", "10"),
            ("MISMO_HOSTNAME", "not a host"),
            ("SMTP_LISTEN", "2525"),
            ("SMTP_SUBMISSION_LISTEN", "0.0.0.0"),
            ("SMTPS_LISTEN", "0.0.0.0:99999"),
            ("SMTP_STATUS_LISTEN", "x:1"),
            ("SMTP_MAX_CLIENTS", "-1"),
            ("SMTP_MAX_CLIENTS_PER_HOST", "0"),
            ("SMTP_MAX_MESSAGE_SIZE", "big"),
            ("SMTP_IDLE_TIMEOUT", "5"),
            ("SMTP_DATA_TIMEOUT", "0s"),
            ("SMTP_SESSION_TIMEOUT", "an hour"),
            ("SMTP_DRAIN_TIMEOUT", "0s"),
            ("SMTP_PROXY_PROTOCOL_FROM", "10.0.0.5,haproxy"),
            ("QUEUE_CYCLE_PERIOD", "soon"),
            ("QPROCESSOR_CONCURRENCY", "1.5"),
            ("DNS_RESOLVER", "bind9"),
            ("RELAY_PORT", "0"),
            ("RETRY_SCHEDULE", "5m,often"),
            ("MAX_QUEUE_LIFETIME", "5"),
            ("QUEUE_LEASE", "10"),
            ("POP3_LISTEN", ":110"),
            ("POP3S_LISTEN", "0.0.0.0:"),
            ("POP3_ALLOW_PLAINTEXT_AUTH", "perhaps"),
            ("POP3_IDLE_TIMEOUT", "10"),
            ("POP3_LOCK_TTL", "0s"),
            ("ADMIN_LISTEN", "127.0.0.1"),
            ("WEBMAIL_LISTEN", "any"),
        ];
        for (var, bad) in cases {
            let e = env(&[(var, bad)]);
            let errors: Vec<ConfigError> = [
                SmtpSettings::from_env(&e).err(),
                QueueSettings::from_env(&e).err(),
                Pop3Settings::from_env(&e).err(),
                AdminSettings::from_env(&e).err(),
                WebmailSettings::from_env(&e).err(),
            ]
            .into_iter()
            .flatten()
            .collect();
            assert!(!errors.is_empty(), "{var}={bad} was accepted");
            for err in errors {
                let text = err.to_string();
                assert!(
                    text.starts_with(&format!("{var}: invalid value")),
                    "{var}: {text}"
                );
                assert!(text.contains("expected"), "{text}");
            }
        }
    }

    #[test]
    fn half_a_tls_pair_is_refused() {
        let e = env(&[("TLS_CERT_PATH", "/c.pem")]);
        let err = SmtpSettings::from_env(&e).unwrap_err();
        assert_eq!(
            err.to_string(),
            "TLS_CERT_PATH: must be set together with TLS_KEY_PATH"
        );
        let e = env(&[("TLS_KEY_PATH", "/k.pem")]);
        assert!(Pop3Settings::from_env(&e).is_err());
    }
}

#[cfg(test)]
mod example_file {
    use super::*;

    /// `.env.example` lists every variable the settings read, and the defaults
    /// it shows are the real ones.
    #[test]
    fn env_example_is_complete_and_true() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../.env.example");
        let text = std::fs::read_to_string(path).expect(".env.example");
        let listed: Vec<String> = text
            .lines()
            .map(|l| l.trim_start_matches("# "))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
            .filter(|k| {
                k.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
            .collect();
        let source = concat!(env!("CARGO_MANIFEST_DIR"), "/src/config/settings.rs");
        let code = std::fs::read_to_string(source).unwrap();
        let code = code.split("#[cfg(test)]").next().unwrap();
        for var in code
            .split('"')
            .filter(|s| s.len() > 3 && s.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        {
            assert!(
                listed.iter().any(|l| l == var),
                "{var} is missing from .env.example"
            );
        }
        // The uncommented lines are the defaults.
        let example = Env::from_pairs(
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let defaults = Env::from_pairs(Vec::<(String, String)>::new());
        let a = serde_json::to_value(QueueSettings::from_env(&example).unwrap()).unwrap();
        let b = serde_json::to_value(QueueSettings::from_env(&defaults).unwrap()).unwrap();
        assert_eq!(a, b);
        let a = serde_json::to_value(SmtpSettings::from_env(&example).unwrap()).unwrap();
        let b = serde_json::to_value(SmtpSettings::from_env(&defaults).unwrap()).unwrap();
        assert_eq!(a, b);
        let a = serde_json::to_value(Pop3Settings::from_env(&example).unwrap()).unwrap();
        let b = serde_json::to_value(Pop3Settings::from_env(&defaults).unwrap()).unwrap();
        assert_eq!(a, b);
        let a = serde_json::to_value(ImapSettings::from_env(&example).unwrap()).unwrap();
        let b = serde_json::to_value(ImapSettings::from_env(&defaults).unwrap()).unwrap();
        assert_eq!(a, b);
    }
}
