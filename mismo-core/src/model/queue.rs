use serde::{Deserialize, Serialize};

use super::BlobRef;

/// A message accepted by an smtp-engine, waiting for or under delivery.
///
/// Collection `messages`, shard key `{_id: "hashed"}`: writes spread evenly
/// across shards; the due-work query is a scatter-gather on the
/// `{state, due_at}` index, and every state change is a single-document update
/// by `_id` guarded by the current state (no transactions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedMessage {
    /// ULID, given to the client in the `250` reply.
    #[serde(rename = "_id")]
    pub id: String,
    pub state: QueueState,
    /// Envelope sender; empty for the null sender `<>`.
    pub mail_from: String,
    pub recipients: Vec<Recipient>,
    pub blob: BlobRef,
    pub headers: HeaderSummary,
    pub attachments: Vec<AttachmentMeta>,
    pub origin: Origin,
    pub dsn: DsnRequest,
    /// The client sent `MAIL ... SMTPUTF8` (RFC 6531): UTF-8 may be in the
    /// envelope and the headers, and a next hop must offer SMTPUTF8 too.
    #[serde(default)]
    pub smtputf8: bool,
    pub received_at: i64,
    /// When the next attempt is due.
    pub due_at: i64,
    pub attempts: i32,
    /// The claim of the qprocessor working on it, and until when it holds.
    pub claim_token: Option<String>,
    pub lease_until: Option<i64>,
}

/// The most recipients one message may have, however it is sent (SMTP
/// RCPT, webmail's compose): RFC 5321 4.5.3.1.8 asks servers to take at
/// least 100, and more lets one stolen login spam at scale.
pub const MAX_RECIPIENTS: usize = 100;

/// The envelope of a message entering the queue; the store adds the bytes
/// (`Store::enqueue_new`) and the rest starts out the same for every message.
pub struct NewMessage {
    pub id: String,
    pub mail_from: String,
    pub recipients: Vec<Recipient>,
    pub origin: Origin,
    pub dsn: DsnRequest,
    pub smtputf8: bool,
}

impl NewMessage {
    /// A message for `recipients`, none tried yet, with no DSN request.
    /// It needs SMTPUTF8 where an address is not ASCII (RFC 6531 3.4);
    /// [`NewMessage::declared_smtputf8`] adds what the client declared.
    /// Every path that queues mail (SMTP intake, webmail, bounces,
    /// auto-replies) starts here and hands it to `Store::enqueue_new`.
    pub fn new(id: String, mail_from: String, recipients: Vec<Recipient>, origin: Origin) -> Self {
        let smtputf8 = !mail_from.is_ascii() || recipients.iter().any(|r| !r.address.is_ascii());
        Self {
            id,
            mail_from,
            recipients,
            origin,
            dsn: DsnRequest::default(),
            smtputf8,
        }
    }

    /// The client's RFC 3461 MAIL parameters.
    pub fn with_dsn(self, dsn: DsnRequest) -> Self {
        Self { dsn, ..self }
    }

    /// The client sent `MAIL ... SMTPUTF8`: its headers may hold UTF-8
    /// even where every address is ASCII.
    pub fn declared_smtputf8(self, declared: bool) -> Self {
        Self {
            smtputf8: self.smtputf8 || declared,
            ..self
        }
    }
}

impl Origin {
    /// A message this cluster writes itself (a bounce, an auto-reply): from
    /// `engine`, through `listener`, which names the kind.
    pub fn internal(listener: &str, engine: &str) -> Self {
        Self {
            client_ip: "127.0.0.1".into(),
            helo: engine.to_string(),
            auth_user: None,
            listener: listener.to_string(),
            engine: engine.to_string(),
        }
    }
}

impl QueuedMessage {
    /// A message due now, claimed by nobody, whose bytes `bytes` are stored
    /// as `blob`; its headers and attachments are summarised from them.
    pub fn enqueued(new: NewMessage, blob: BlobRef, bytes: &[u8]) -> Self {
        let now = super::now_ms();
        let (headers, attachments) = crate::summary::summarize(bytes);
        Self {
            id: new.id,
            state: QueueState::Enqueued,
            mail_from: new.mail_from,
            recipients: new.recipients,
            blob,
            headers,
            attachments,
            origin: new.origin,
            dsn: new.dsn,
            smtputf8: new.smtputf8,
            received_at: now,
            due_at: now,
            attempts: 0,
            claim_token: None,
            lease_until: None,
        }
    }
}

impl Recipient {
    /// A recipient not yet tried.
    pub fn pending(address: String, orcpt: Option<String>, notify: Option<String>) -> Self {
        Self {
            address,
            status: RecipientStatus::Pending,
            orcpt,
            notify,
            attempts: 0,
            last_reply: None,
            updated_at: super::now_ms(),
            forwarded: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QueueState {
    /// Waiting for its due time.
    Enqueued,
    /// Claimed by a qprocessor whose lease has not run out.
    Delivering,
    /// Every recipient delivered.
    Delivered,
    /// Every recipient final, at least one failed (and bounced where due).
    Failed,
}

impl QueueState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enqueued => "ENQUEUED",
            Self::Delivering => "DELIVERING",
            Self::Delivered => "DELIVERED",
            Self::Failed => "FAILED",
        }
    }
}

/// One envelope recipient and where its delivery stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub address: String,
    pub status: RecipientStatus,
    /// RFC 3461 ORCPT and NOTIFY as given at RCPT.
    pub orcpt: Option<String>,
    pub notify: Option<String>,
    pub attempts: i32,
    /// The last reply or error, for the queue listing and the DSN.
    pub last_reply: Option<String>,
    pub updated_at: i64,
    /// Remote addresses an alias of this recipient forwards to that have
    /// taken the message already: a retry (for a target still failing)
    /// does not send it to them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forwarded: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecipientStatus {
    Pending,
    Deferred,
    Delivered,
    Failed,
}

impl RecipientStatus {
    /// Still to be delivered to: not tried yet, or deferred.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Deferred)
    }
}

/// The headers a listing shows, parsed once at intake.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderSummary {
    pub from: Option<String>,
    pub to: Vec<String>,
    pub subject: Option<String>,
    /// The Date header as written by the sender.
    pub date: Option<String>,
    pub message_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    pub name: Option<String>,
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: i64,
}

/// Who handed the message over, for Received headers and abuse handling.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub client_ip: String,
    pub helo: String,
    /// The SMTP AUTH login, when the client authenticated.
    pub auth_user: Option<String>,
    /// `mx`, `submission` or `smtps`.
    pub listener: String,
    /// Which engine accepted it.
    pub engine: String,
}

/// RFC 3461 MAIL parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DsnRequest {
    /// `FULL` or `HDRS`.
    pub ret: Option<String>,
    pub envid: Option<String>,
}
