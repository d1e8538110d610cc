//! Who may send what to whom: the store-backed answers to the session's
//! questions. No open relay, ever: only authenticated clients reach domains
//! Mismo does not host.

use mismo_core::directory::{Directory, TtlCache};
use mismo_core::model::address::Address;
use mismo_core::model::{Activation, Domain, Mailbox};
use mismo_core::sending::{OverLimit, SendLimits};
use mismo_core::{Store, StoreResult};

use crate::reply::{common, Reply};

// Domain records and recipients' verdicts are kept for the directory's
// CACHE_TTL: changes made with mismoctl reach every engine within that time.
// The qprocessor looks each recipient up again at delivery (through a cache
// of the same age), so a change takes effect everywhere within twice that;
// the verdicts save a busy MX a store round trip per recipient, as Postfix's
// address verification cache does.

pub struct Policy {
    store: Store,
    /// Domains, mailboxes (read at RCPT, so the quota check at the end of
    /// DATA needs no second read of them) and the SRS key, cached.
    dir: Directory,
    /// What RCPT answered for a hosted address (exists, disabled, unknown).
    recipients: TtlCache<Result<(), Reply>>,
    /// What an authenticated mailbox may send an hour.
    send_limits: SendLimits,
}

impl Policy {
    pub fn new(store: Store, send_limits: SendLimits) -> Self {
        Self {
            dir: Directory::new(store.clone()),
            store,
            recipients: TtlCache::default(),
            send_limits,
        }
    }

    async fn domain(&self, name: &str) -> StoreResult<Option<Domain>> {
        self.dir.domain(name).await
    }

    async fn mailbox(&self, address: &str) -> StoreResult<Option<Mailbox>> {
        self.dir.mailbox(address).await
    }

    /// May this sender be used for one more message? Submission: only the
    /// login's own address or an alias that delivers to it (RFC 6409 8.1),
    /// within the login's hourly message limit. MX: any.
    pub async fn check_sender(&self, auth_user: Option<&str>, sender: &str) -> Result<(), Reply> {
        let Some(user) = auth_user else {
            return Ok(());
        };
        self.may_use_sender(user, sender).await?;
        match self.send_limits.take_message(&self.store, user).await {
            Ok(taken) => taken.map_err(over_limit),
            Err(_) => Err(common::store_unavailable()),
        }
    }

    async fn may_use_sender(&self, user: &str, sender: &str) -> Result<(), Reply> {
        if sender.is_empty() {
            return Ok(());
        }
        match self.store.may_send_as(user, sender).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Reply::new(
                553,
                "5.7.1",
                format!("<{sender}>: Sender address rejected: not owned by user {user}"),
            )),
            Err(_) => Err(common::store_unavailable()),
        }
    }

    /// May this message go out under its From header? Submission: every
    /// address in it must be one the login may use as MAIL FROM, so a user
    /// cannot have Mismo send (and sign) mail in a colleague's name. A
    /// message with no From (RFC 5322 wants one, but nobody is impersonated)
    /// is let through; MX mail is not checked here.
    pub async fn check_from_header(
        &self,
        auth_user: Option<&str>,
        message: &[u8],
    ) -> Result<(), Reply> {
        let Some(user) = auth_user else {
            return Ok(());
        };
        let Some(parsed) = mail_parser::MessageParser::new().parse_headers(message) else {
            return Ok(());
        };
        let Some(from) = parsed.from() else {
            return Ok(());
        };
        for mailbox in from.iter() {
            let Some(address) = mailbox
                .address
                .as_deref()
                .and_then(|a| Address::parse(a).ok())
            else {
                return Err(Reply::new(553, "5.7.1", "From header address is not valid"));
            };
            let address = address.to_string();
            match self.may_use_sender(user, &address).await {
                Ok(()) => {}
                // The store did not answer: try again later.
                Err(reply) if reply.code < 500 => return Err(reply),
                Err(_) => {
                    return Err(Reply::new(
                        553,
                        "5.7.1",
                        format!("From header <{address}> rejected: not owned by user {user}"),
                    ))
                }
            }
        }
        Ok(())
    }

    /// Will Mismo take mail for this recipient from this client? An
    /// authenticated client's recipients count toward its hourly limit once
    /// they are otherwise acceptable.
    pub async fn check_recipient(&self, auth_user: Option<&str>, rcpt: &str) -> Result<(), Reply> {
        self.recipient(auth_user.is_some(), rcpt)
            .await
            .unwrap_or_else(|_| Err(common::store_unavailable()))?;
        let Some(user) = auth_user else {
            return Ok(());
        };
        match self.send_limits.take_recipients(&self.store, user, 1).await {
            Ok(taken) => taken.map_err(over_limit),
            Err(_) => Err(common::store_unavailable()),
        }
    }

    async fn recipient(&self, authenticated: bool, rcpt: &str) -> StoreResult<Result<(), Reply>> {
        let Ok(address) = Address::parse(rcpt) else {
            return Ok(Err(Reply::new(
                501,
                "5.1.3",
                "Bad recipient address syntax",
            )));
        };
        let Some(domain) = self.domain(address.domain()).await? else {
            return Ok(if authenticated {
                Ok(())
            } else {
                Err(Reply::new(
                    554,
                    "5.7.1",
                    format!("<{rcpt}>: Relay access denied"),
                ))
            });
        };
        if domain.state == Activation::Disabled {
            return Ok(Err(Reply::new(
                550,
                "5.2.1",
                format!("<{rcpt}>: Recipient domain is disabled"),
            )));
        }
        let text = address.to_string();
        self.recipients
            .get_or_read(&text, self.hosted_recipient(&address, &text))
            .await
    }

    /// An address in an enabled hosted domain: a mailbox, an alias, a
    /// catch-all, or unknown.
    async fn hosted_recipient(
        &self,
        address: &Address,
        text: &str,
    ) -> StoreResult<Result<(), Reply>> {
        // A bounce to an address an alias rewrote (SRS) is taken only if
        // this cluster made the address, and not long ago.
        if mismo_core::srs::Srs::looks_like_srs(text) {
            let srs = self.dir.srs().await?;
            return Ok(srs
                .reverse(text, mismo_core::srs::unix_now())
                .map(|_| ())
                .map_err(|e| {
                    Reply::new(
                        550,
                        "5.1.1",
                        format!("<{text}>: Recipient address rejected: {e}"),
                    )
                }));
        }
        if let Some(mailbox) = self.mailbox(text).await? {
            return Ok(match mailbox.state {
                // A full mailbox is refused now, not bounced later (to a
                // sender who may be forged): RFC 3463's 4.2.2, so the
                // sender's MTA tries again and tells them itself.
                Activation::Enabled if self.over_quota(&mailbox, 0).await? => {
                    Err(mailbox_full(text))
                }
                Activation::Enabled => Ok(()),
                Activation::Disabled => Err(Reply::new(
                    550,
                    "5.2.1",
                    format!("<{text}>: Mailbox disabled"),
                )),
            });
        }
        if self.store.get_alias(text).await?.is_some()
            || self
                .store
                .get_alias(&format!("@{}", address.domain()))
                .await?
                .is_some()
        {
            return Ok(Ok(()));
        }
        Ok(Err(Reply::new(
            550,
            "5.1.1",
            format!("<{text}>: Recipient address rejected: User unknown"),
        )))
    }

    /// Whether `size` more bytes would not fit the mailbox's quota (a full
    /// mailbox takes not even an empty message).
    async fn over_quota(&self, mailbox: &Mailbox, size: i64) -> StoreResult<bool> {
        if mailbox.quota_bytes <= 0 {
            return Ok(false);
        }
        let used = self.store.mailbox_usage(&mailbox.address).await?.bytes;
        Ok(used >= mailbox.quota_bytes || used + size > mailbox.quota_bytes)
    }

    /// At the end of DATA, with the size known: refused (452 4.2.2) when
    /// the message fits none of its recipients' mailboxes. One reply covers
    /// every recipient, so if any can take it, it is accepted and the full
    /// ones are left to delivery.
    pub async fn check_quota(&self, recipients: &[String], size: usize) -> Result<(), Reply> {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let mut full = None;
        for rcpt in recipients {
            let fits = match self.mailbox(rcpt).await {
                Ok(Some(mailbox)) => match self.over_quota(&mailbox, size).await {
                    Ok(over) => !over,
                    Err(_) => return Err(common::store_unavailable()),
                },
                Ok(None) => true,
                Err(_) => return Err(common::store_unavailable()),
            };
            if fits {
                return Ok(());
            }
            full.get_or_insert(rcpt);
        }
        match full {
            Some(rcpt) => Err(mailbox_full(rcpt)),
            None => Ok(()),
        }
    }

    /// The mailbox address the login belongs to, if the password is right and
    /// the mailbox and its domain are enabled.
    pub async fn authenticate(
        &self,
        ip: std::net::IpAddr,
        user: &str,
        pass: &str,
    ) -> StoreResult<mismo_core::auth::Login> {
        mismo_core::auth::login(&self.store, ip, user, pass).await
    }
}

/// RFC 3463's 4.7.1: a temporary refusal, as Postfix's rate limits answer,
/// so a legitimate burst is sent once the hour moves on.
fn over_limit(over: OverLimit) -> Reply {
    Reply::new(450, "4.7.1", over.to_string())
}

fn mailbox_full(address: &str) -> Reply {
    Reply::new(
        452,
        "4.2.2",
        format!("<{address}>: Mailbox full, try again later"),
    )
}
