//! The SMTP session as a plain state machine: it takes command lines and the
//! outcomes of the work it asks for, and says what to send and do next. All
//! I/O (sockets, TLS, the store) is in `connection.rs`.

use std::net::IpAddr;
use std::sync::Arc;

use mismo_core::model::address::Address;
use mismo_core::server::ErrorBudget;
use smtp_proto::{Error as ParseError, MailFrom, RcptTo, Request};

use crate::reply::{common, Reply};
use mismo_core::received::{Trace, Via};
use mismo_core::sasl::{self, SaslError};

/// Which listener a session came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// MX: mail for local domains from anywhere, no AUTH.
    Mx,
    /// Submission with STARTTLS then AUTH.
    Submission,
    /// Submission over implicit TLS.
    Smtps,
}

impl Listener {
    pub fn name(self) -> &'static str {
        match self {
            Self::Mx => "mx",
            Self::Submission => "submission",
            Self::Smtps => "smtps",
        }
    }

    fn is_submission(self) -> bool {
        !matches!(self, Self::Mx)
    }
}

impl std::fmt::Display for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a listener's sessions share.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub hostname: String,
    pub listener: Listener,
    pub max_message_size: u64,
    pub max_recipients: usize,
    pub tls_available: bool,
}

pub use mismo_core::model::MAX_RECIPIENTS;

/// What the connection must do next.
#[derive(Debug, PartialEq)]
pub enum Step {
    Reply(Reply),
    /// Send the reply and close the connection.
    Close(Reply),
    /// Send the reply, run the TLS handshake, then call `tls_established`.
    StartTls(Reply),
    /// Decide whether the (authenticated) client may use this sender; then
    /// call `sender_checked`. Empty for the null sender.
    CheckSender(String),
    /// Decide whether to accept this recipient; then call `recipient_checked`.
    CheckRecipient(String),
    /// Send the 354 reply, read the message up to `.`, then call `data_read`.
    ReadData(Reply),
    /// Read the next `size` octets; keep them only if `keep`. Then call `bdat_read`.
    ReadBdat {
        size: usize,
        keep: bool,
    },
    /// Send the 334 challenge, read one line, then call `auth_line`.
    Challenge(Reply),
    /// Check the login; then call `credentials_checked`.
    CheckCredentials {
        user: String,
        password: String,
    },
    /// Store the message; then call `stored`.
    Store(Box<Envelope>),
}

/// Why a message read in full was not stored.
#[derive(Debug, PartialEq)]
pub enum NotStored {
    /// The store did not take it: 451, try again.
    StoreUnavailable,
    /// Policy refused its content (a From header the login may not use).
    Refused(Reply),
}

/// A message ready to be stored.
#[derive(Debug, PartialEq)]
pub struct Envelope {
    pub id: String,
    pub mail_from: String,
    pub recipients: Vec<AcceptedRcpt>,
    pub ret: Option<String>,
    pub envid: Option<String>,
    /// MAIL carried SMTPUTF8.
    pub smtputf8: bool,
    pub helo: String,
    pub auth_user: Option<String>,
    /// The Received header followed by the client's bytes, exactly.
    pub message: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedRcpt {
    pub address: String,
    pub orcpt: Option<String>,
    pub notify: Option<String>,
}

/// How reading a DATA section ended.
#[derive(Debug, PartialEq)]
pub enum DataOutcome {
    /// The message, dot-unstuffed, CRLF line ends kept.
    Complete(Vec<u8>),
    TooBig,
    LineTooLong,
}

struct Transaction {
    mail_from: String,
    smtputf8: bool,
    ret: Option<String>,
    envid: Option<String>,
    rcpts: Vec<AcceptedRcpt>,
    /// BDAT chunks received so far, and whether the message grew too big.
    bdat: Option<(Vec<u8>, bool)>,
}

enum Pending {
    None,
    /// The command, and its address normalised.
    Sender(MailFrom<String>, String),
    Recipient(RcptTo<String>, String),
    Data,
    Bdat {
        last: bool,
        valid: bool,
    },
    AuthPlain,
    AuthLoginUser,
    AuthLoginPassword(String),
    Credentials,
    Store,
    Tls,
}

pub struct Session {
    cfg: Arc<SessionConfig>,
    client_ip: IpAddr,
    tls: bool,
    helo: Option<String>,
    esmtp: bool,
    auth_user: Option<String>,
    tx: Option<Transaction>,
    pending: Pending,
    errors: ErrorBudget,
}

impl Session {
    /// A new session; `tls` is true on the implicit-TLS listener.
    pub fn new(cfg: Arc<SessionConfig>, client_ip: IpAddr, tls: bool) -> Self {
        Self {
            cfg,
            client_ip,
            tls,
            helo: None,
            esmtp: false,
            auth_user: None,
            tx: None,
            pending: Pending::None,
            errors: ErrorBudget::default(),
        }
    }

    pub fn greeting(&self) -> Reply {
        Reply::plain(220, vec![format!("{} ESMTP Mismo", self.cfg.hostname)])
    }

    pub fn auth_user(&self) -> Option<&str> {
        self.auth_user.as_deref()
    }

    /// The session runs over TLS (implicit, or after STARTTLS).
    pub fn tls(&self) -> bool {
        self.tls
    }

    pub fn listener(&self) -> Listener {
        self.cfg.listener
    }

    /// Counts negative replies; too many end the session.
    fn reply(&mut self, reply: Reply) -> Step {
        if reply.code >= 500 && !self.errors.spend() {
            return Step::Close(Reply::new(421, "4.7.0", "Too many errors, closing"));
        }
        Step::Reply(reply)
    }

    /// A command line was longer than RFC 5321 allows.
    pub fn overlong_line(&mut self) -> Step {
        self.reply(common::line_too_long())
    }

    /// One command line, CRLF included.
    pub fn command(&mut self, line: &[u8]) -> Step {
        let request = match Request::parse(&mut line.iter()) {
            Ok(r) => r.into_owned(),
            Err(e) => {
                let reply = parse_error(e);
                return self.reply(reply);
            }
        };
        match request {
            Request::Ehlo { host } => self.hello(host, true),
            Request::Helo { host } => self.hello(host, false),
            Request::Lhlo { .. } => self.reply(Reply::new(500, "5.5.1", "Command unrecognized")),
            Request::Mail { from } => self.mail(from),
            Request::Rcpt { to } => self.rcpt(to),
            Request::Data => self.data(),
            Request::Bdat {
                chunk_size,
                is_last,
            } => self.bdat(chunk_size, is_last),
            Request::Rset => {
                self.tx = None;
                Step::Reply(common::ok())
            }
            Request::Noop { .. } => Step::Reply(common::ok()),
            Request::Vrfy { .. } => Step::Reply(Reply::new(
                252,
                "2.5.0",
                "Cannot VRFY user, but will accept the message and attempt delivery",
            )),
            Request::Help { .. } => Step::Reply(Reply::new(
                214,
                "2.0.0",
                "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP VRFY QUIT STARTTLS AUTH",
            )),
            Request::Quit => Step::Close(Reply::new(221, "2.0.0", "Bye")),
            Request::StartTls => self.starttls(),
            Request::Auth {
                mechanism,
                initial_response,
            } => self.auth(mechanism, initial_response),
            Request::Expn { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. } => {
                self.reply(Reply::new(502, "5.5.1", "Command not implemented"))
            }
        }
    }

    fn hello(&mut self, host: String, esmtp: bool) -> Step {
        if host.trim().is_empty() {
            return self.reply(Reply::new(501, "5.5.4", "Syntax: EHLO hostname"));
        }
        self.helo = Some(host);
        self.esmtp = esmtp;
        self.tx = None;
        let hostname = self.cfg.hostname.clone();
        if !esmtp {
            return Step::Reply(Reply::plain(250, vec![hostname]));
        }
        let mut lines = vec![
            hostname,
            "PIPELINING".into(),
            format!("SIZE {}", self.cfg.max_message_size),
            "8BITMIME".into(),
            "SMTPUTF8".into(),
            "ENHANCEDSTATUSCODES".into(),
            "CHUNKING".into(),
            "DSN".into(),
        ];
        if self.cfg.tls_available && !self.tls {
            lines.push("STARTTLS".into());
        }
        if self.auth_offered() {
            lines.push("AUTH PLAIN LOGIN".into());
        }
        Step::Reply(Reply::plain(250, lines))
    }

    fn auth_offered(&self) -> bool {
        self.cfg.listener.is_submission() && self.tls && self.auth_user.is_none()
    }

    fn mail(&mut self, from: MailFrom<String>) -> Step {
        if self.helo.is_none() {
            return self.reply(common::bad_sequence("Send HELO/EHLO first"));
        }
        if self.tx.is_some() {
            return self.reply(common::bad_sequence("Nested MAIL command"));
        }
        if self.cfg.listener.is_submission() && self.auth_user.is_none() {
            return self.reply(Reply::new(530, "5.7.0", "Authentication required"));
        }
        if from.flags & smtp_proto::MAIL_BODY_BINARYMIME != 0 {
            return self.reply(Reply::new(504, "5.5.4", "BODY=BINARYMIME is not supported"));
        }
        if from.size as u64 > self.cfg.max_message_size {
            return self.reply(common::message_too_big());
        }
        // The normalised address, parsed once here and kept for the transaction.
        let address = if from.address.is_empty() {
            String::new()
        } else {
            if !from.address.is_ascii() && from.flags & smtp_proto::MAIL_SMTPUTF8 == 0 {
                return self.reply(Reply::new(553, "5.6.7", "Address needs SMTPUTF8"));
            }
            match Address::parse(&from.address) {
                Ok(a) => a.to_string(),
                Err(_) => return self.reply(Reply::new(501, "5.1.7", "Bad sender address syntax")),
            }
        };
        self.pending = Pending::Sender(from, address.clone());
        Step::CheckSender(address)
    }

    /// The policy's answer to `CheckSender`: `Ok` or the refusal to send.
    pub fn sender_checked(&mut self, verdict: Result<(), Reply>) -> Step {
        let Pending::Sender(from, mail_from) = std::mem::replace(&mut self.pending, Pending::None)
        else {
            return Step::Close(internal_error());
        };
        if let Err(reply) = verdict {
            return self.reply(reply);
        }
        let ret = if from.flags & smtp_proto::MAIL_RET_FULL != 0 {
            Some("FULL".to_string())
        } else if from.flags & smtp_proto::MAIL_RET_HDRS != 0 {
            Some("HDRS".to_string())
        } else {
            None
        };
        self.tx = Some(Transaction {
            mail_from,
            smtputf8: from.flags & smtp_proto::MAIL_SMTPUTF8 != 0,
            ret,
            envid: from.env_id,
            rcpts: Vec::new(),
            bdat: None,
        });
        Step::Reply(Reply::new(250, "2.1.0", "Ok"))
    }

    fn rcpt(&mut self, to: RcptTo<String>) -> Step {
        let Some(tx) = &self.tx else {
            return self.reply(common::bad_sequence("Need MAIL command"));
        };
        if tx.bdat.is_some() {
            return self.reply(common::bad_sequence("RCPT not allowed during BDAT"));
        }
        if !to.address.is_ascii() && !tx.smtputf8 {
            return self.reply(Reply::new(553, "5.6.7", "Address needs SMTPUTF8"));
        }
        let Ok(address) = Address::parse(&to.address) else {
            return self.reply(Reply::new(501, "5.1.3", "Bad recipient address syntax"));
        };
        let address = address.to_string();
        if tx.rcpts.iter().any(|r| r.address == address) {
            // Already accepted: the second copy adds nothing (as Postfix does).
            return Step::Reply(Reply::new(250, "2.1.5", "Ok"));
        }
        if tx.rcpts.len() >= self.cfg.max_recipients {
            return self.reply(Reply::new(452, "4.5.3", "Too many recipients"));
        }
        self.pending = Pending::Recipient(to, address.clone());
        Step::CheckRecipient(address)
    }

    /// The policy's answer to `CheckRecipient`.
    pub fn recipient_checked(&mut self, verdict: Result<(), Reply>) -> Step {
        let Pending::Recipient(to, address) = std::mem::replace(&mut self.pending, Pending::None)
        else {
            return Step::Close(internal_error());
        };
        if let Err(reply) = verdict {
            return self.reply(reply);
        }
        let Some(tx) = &mut self.tx else {
            return Step::Close(internal_error());
        };
        let notify = notify_text(to.flags);
        tx.rcpts.push(AcceptedRcpt {
            address,
            // RFC 3461 4.2: kept with its address type for the DSN.
            orcpt: to.orcpt.map(|o| {
                if o.contains(';') {
                    o
                } else {
                    format!("rfc822;{o}")
                }
            }),
            notify,
        });
        Step::Reply(Reply::new(250, "2.1.5", "Ok"))
    }

    fn data(&mut self) -> Step {
        let Some(tx) = &self.tx else {
            return self.reply(common::bad_sequence("Need MAIL command"));
        };
        if tx.bdat.is_some() {
            return self.reply(common::bad_sequence("DATA not allowed after BDAT"));
        }
        if tx.rcpts.is_empty() {
            return self.reply(Reply::new(554, "5.5.1", "No valid recipients"));
        }
        self.pending = Pending::Data;
        Step::ReadData(Reply::plain(
            354,
            vec!["End data with <CR><LF>.<CR><LF>".into()],
        ))
    }

    /// The DATA section has been read.
    pub fn data_read(&mut self, outcome: DataOutcome) -> Step {
        if !matches!(self.pending, Pending::Data) {
            return Step::Close(internal_error());
        }
        self.pending = Pending::None;
        match outcome {
            DataOutcome::Complete(bytes) => self.envelope(bytes),
            DataOutcome::TooBig => {
                self.tx = None;
                self.reply(common::message_too_big())
            }
            DataOutcome::LineTooLong => {
                self.tx = None;
                self.reply(Reply::new(
                    500,
                    "5.5.2",
                    "Message refused: a line is longer than 998 octets (RFC 5322 2.1.1)",
                ))
            }
        }
    }

    fn bdat(&mut self, size: usize, last: bool) -> Step {
        let max = self.cfg.max_message_size;
        let valid = self.tx.as_ref().is_some_and(|tx| !tx.rcpts.is_empty());
        let keep = match self.tx.as_mut() {
            Some(tx) if valid => {
                let (data, too_big) = tx.bdat.get_or_insert_with(|| (Vec::new(), false));
                if (data.len() as u64).saturating_add(size as u64) > max {
                    *too_big = true;
                }
                !*too_big
            }
            _ => false,
        };
        self.pending = Pending::Bdat { last, valid };
        Step::ReadBdat { size, keep }
    }

    /// A BDAT chunk has been read (empty when it was not kept).
    pub fn bdat_read(&mut self, chunk: Vec<u8>) -> Step {
        let Pending::Bdat { last, valid } = std::mem::replace(&mut self.pending, Pending::None)
        else {
            return Step::Close(internal_error());
        };
        if !valid {
            let reply = match &self.tx {
                None => common::bad_sequence("Need MAIL command"),
                Some(_) => Reply::new(554, "5.5.1", "No valid recipients"),
            };
            return self.reply(reply);
        }
        let Some(tx) = &mut self.tx else {
            return Step::Close(internal_error());
        };
        let Some((data, too_big)) = &mut tx.bdat else {
            return Step::Close(internal_error());
        };
        let size = chunk.len();
        if !*too_big {
            data.extend_from_slice(&chunk);
        }
        if !last {
            return Step::Reply(Reply::new(250, "2.0.0", format!("{size} octets received")));
        }
        if *too_big {
            self.tx = None;
            return self.reply(common::message_too_big());
        }
        let bytes = std::mem::take(data);
        self.envelope(bytes)
    }

    /// Builds the envelope of the finished transaction.
    fn envelope(&mut self, body: Vec<u8>) -> Step {
        let Some(tx) = self.tx.take() else {
            return Step::Close(internal_error());
        };
        let id = mismo_core::model::new_id();
        let single = (tx.rcpts.len() == 1).then(|| tx.rcpts[0].address.as_str());
        let trace = Trace {
            helo: self.helo.as_deref().unwrap_or(""),
            client_ip: self.client_ip,
            hostname: &self.cfg.hostname,
            via: Via::Smtp {
                esmtp: self.esmtp,
                utf8: tx.smtputf8,
            },
            tls: self.tls,
            authenticated: self.auth_user.is_some(),
            id: &id,
            single_recipient: single,
            time: mismo_core::model::now_ms() / 1000,
        }
        .header();
        let mut message = Vec::with_capacity(trace.len() + 2 + body.len());
        message.extend_from_slice(trace.as_bytes());
        // A first line starting with white space would continue the Received
        // header (RFC 5322 2.2.3) and let the client write into Mismo's
        // trace (the fuzzer found it). Such a line is no header, so, as
        // Postfix's cleanup does with mail that starts with a non-header
        // line, an empty line goes first and the client's text is body.
        if matches!(body.first(), Some(b' ' | b'\t')) {
            message.extend_from_slice(b"\r\n");
        }
        message.extend_from_slice(&body);
        self.pending = Pending::Store;
        Step::Store(Box::new(Envelope {
            id,
            mail_from: tx.mail_from,
            recipients: tx.rcpts,
            ret: tx.ret,
            envid: tx.envid,
            smtputf8: tx.smtputf8,
            helo: self.helo.clone().unwrap_or_default(),
            auth_user: self.auth_user.clone(),
            message,
        }))
    }

    /// The store's answer: the queue id once the write is acknowledged.
    pub fn stored(&mut self, result: Result<String, NotStored>) -> Step {
        if !matches!(self.pending, Pending::Store) {
            return Step::Close(internal_error());
        }
        self.pending = Pending::None;
        match result {
            Ok(id) => Step::Reply(Reply::new(250, "2.0.0", format!("Ok: queued as {id}"))),
            Err(NotStored::StoreUnavailable) => Step::Reply(common::store_unavailable()),
            Err(NotStored::Refused(reply)) => Step::Reply(reply),
        }
    }

    fn starttls(&mut self) -> Step {
        if self.tls {
            return self.reply(common::bad_sequence("Already running TLS"));
        }
        if !self.cfg.tls_available {
            return self.reply(Reply::new(502, "5.5.1", "STARTTLS not available"));
        }
        self.pending = Pending::Tls;
        Step::StartTls(Reply::new(220, "2.0.0", "Ready to start TLS"))
    }

    /// The handshake succeeded: RFC 3207 4.2, forget everything learnt before.
    pub fn tls_established(&mut self) {
        self.pending = Pending::None;
        self.tls = true;
        self.helo = None;
        self.esmtp = false;
        self.tx = None;
    }

    fn auth(&mut self, mechanism: u64, initial: String) -> Step {
        if !self.cfg.listener.is_submission() {
            return self.reply(common::bad_sequence(
                "Authentication not enabled on this port",
            ));
        }
        if !self.tls {
            return self.reply(Reply::new(
                530,
                "5.7.0",
                "Must issue a STARTTLS command first",
            ));
        }
        if self.helo.is_none() {
            return self.reply(common::bad_sequence("Send EHLO first"));
        }
        if self.auth_user.is_some() {
            return self.reply(common::bad_sequence("Already authenticated"));
        }
        if self.tx.is_some() {
            return self.reply(common::bad_sequence(
                "AUTH not allowed during a mail transaction",
            ));
        }
        let initial = (!initial.is_empty()).then_some(initial);
        match mechanism {
            smtp_proto::AUTH_PLAIN => match initial {
                None => {
                    self.pending = Pending::AuthPlain;
                    Step::Challenge(Reply::plain(334, vec![String::new()]))
                }
                Some(line) => {
                    self.pending = Pending::AuthPlain;
                    self.auth_line(&line)
                }
            },
            smtp_proto::AUTH_LOGIN => match initial {
                None => {
                    self.pending = Pending::AuthLoginUser;
                    Step::Challenge(Reply::plain(334, vec![sasl::encode("Username:")]))
                }
                Some(line) => {
                    self.pending = Pending::AuthLoginUser;
                    self.auth_line(&line)
                }
            },
            _ => self.reply(Reply::new(504, "5.5.4", "Unrecognized authentication type")),
        }
    }

    /// One line of a SASL exchange.
    pub fn auth_line(&mut self, line: &str) -> Step {
        let pending = std::mem::replace(&mut self.pending, Pending::None);
        let decoded = match sasl::decode_line(line) {
            Ok(bytes) => bytes,
            Err(SaslError::Cancelled) => {
                return self.reply(Reply::new(501, "5.0.0", "Authentication aborted"))
            }
            Err(SaslError::Malformed) => {
                return self.reply(Reply::new(501, "5.5.2", "Invalid base64 data"))
            }
        };
        let credentials = match pending {
            Pending::AuthPlain => sasl::plain(&decoded),
            Pending::AuthLoginUser => {
                return match sasl::utf8(decoded) {
                    Ok(user) => {
                        self.pending = Pending::AuthLoginPassword(user);
                        Step::Challenge(Reply::plain(334, vec![sasl::encode("Password:")]))
                    }
                    Err(_) => self.reply(Reply::new(501, "5.5.2", "Invalid user name")),
                };
            }
            Pending::AuthLoginPassword(user) => sasl::utf8(decoded).map(|pass| (user, pass)),
            _ => return Step::Close(internal_error()),
        };
        match credentials {
            Ok((user, password)) => {
                self.pending = Pending::Credentials;
                Step::CheckCredentials { user, password }
            }
            Err(_) => self.reply(Reply::new(501, "5.5.2", "Malformed authentication data")),
        }
    }

    /// Whether the login is right; the address it authenticated as.
    pub fn credentials_checked(&mut self, login: Option<String>) -> Step {
        if !matches!(self.pending, Pending::Credentials) {
            return Step::Close(internal_error());
        }
        self.pending = Pending::None;
        match login {
            Some(address) => {
                self.auth_user = Some(address);
                Step::Reply(Reply::new(235, "2.7.0", "Authentication successful"))
            }
            None => self.reply(Reply::new(
                535,
                "5.7.8",
                "Authentication credentials invalid",
            )),
        }
    }
}

fn internal_error() -> Reply {
    Reply::new(421, "4.3.0", "Internal error, closing")
}

fn notify_text(flags: u64) -> Option<String> {
    let names = [
        (smtp_proto::RCPT_NOTIFY_SUCCESS, "SUCCESS"),
        (smtp_proto::RCPT_NOTIFY_FAILURE, "FAILURE"),
        (smtp_proto::RCPT_NOTIFY_DELAY, "DELAY"),
        (smtp_proto::RCPT_NOTIFY_NEVER, "NEVER"),
    ];
    let set: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    (!set.is_empty()).then(|| set.join(","))
}

fn parse_error(e: ParseError) -> Reply {
    match e {
        ParseError::UnknownCommand => Reply::new(500, "5.5.1", "Command unrecognized"),
        ParseError::InvalidSenderAddress => Reply::new(501, "5.1.7", "Bad sender address syntax"),
        ParseError::InvalidRecipientAddress => {
            Reply::new(501, "5.1.3", "Bad recipient address syntax")
        }
        ParseError::SyntaxError { syntax } => Reply::new(501, "5.5.4", format!("Syntax: {syntax}")),
        ParseError::InvalidParameter { param } => {
            Reply::new(501, "5.5.4", format!("Invalid parameter {}", echo(param)))
        }
        ParseError::UnsupportedParameter { param } => Reply::new(
            555,
            "5.5.4",
            format!("Unsupported parameter {}", echo(&param)),
        ),
        ParseError::ResponseTooLong => common::line_too_long(),
        _ => Reply::new(500, "5.5.2", "Syntax error"),
    }
}

/// A piece of the client's command quoted back in a reply: printable ASCII
/// only and at most 64 characters, so the reply stays one short line of
/// text whatever octets were sent (a reply line may not pass 512 octets,
/// RFC 5321 4.5.3.1.5, and the fuzzer found 8-bit parameters tripling in
/// size once made into text).
fn echo(text: &str) -> String {
    const MAX: usize = 64;
    let mut out: String = text
        .chars()
        .take(MAX)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect();
    if text.chars().count() > MAX {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests;
