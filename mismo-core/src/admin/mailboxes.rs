use super::{Admin, AdminError, AdminResult};
use crate::model::address::Address;
use crate::model::{now_ms, Activation, Mailbox};
use crate::store::Usage;
use crate::{password, StoreError};

impl Admin<'_> {
    /// Adds a mailbox in a hosted domain.
    pub async fn add_mailbox(
        &self,
        address: &str,
        new_password: &str,
        quota_bytes: i64,
    ) -> AdminResult<Mailbox> {
        let address = Address::parse(address)?;
        if !crate::model::address::is_mailbox_name(address.local()) {
            return Err(AdminError::Invalid(format!(
                "{address}: a mailbox name may hold letters, digits, dots, hyphens and underscores"
            )));
        }
        password::check_new(new_password).map_err(|e| AdminError::Invalid(e.into()))?;
        if self.store.get_domain(address.domain()).await?.is_none() {
            return Err(AdminError::NotFound(format!(
                "domain {} is not hosted here; add it first",
                address.domain()
            )));
        }
        let text = address.to_string();
        if self.store.get_alias(&text).await?.is_some() {
            return Err(AdminError::Conflict(format!("{text} is an alias")));
        }
        if quota_bytes < 0 {
            return Err(AdminError::Invalid("the quota must not be negative".into()));
        }
        let mailbox = Mailbox {
            domain: address.domain().to_string(),
            address: text,
            password_hash: password::hash(new_password).map_err(AdminError::Invalid)?,
            state: Activation::Enabled,
            quota_bytes,
            display_name: None,
            created_at: now_ms(),
            pgp_public_key: None,
        };
        match self.store.insert_mailbox(&mailbox).await {
            Ok(()) => {
                self.store.ensure_default_folders(&mailbox.address).await?;
                Ok(mailbox)
            }
            Err(StoreError::Duplicate(_)) => Err(AdminError::Conflict(format!(
                "mailbox {} exists already",
                mailbox.address
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn mailbox(&self, address: &str) -> AdminResult<Mailbox> {
        let address = Address::parse(address)?.to_string();
        self.store
            .get_mailbox(&address)
            .await?
            .ok_or_else(|| AdminError::NotFound(format!("no mailbox {address}")))
    }

    /// Sets a new password and ends the mailbox's webmail sessions: whoever
    /// held the old one is out (IMAP and POP3 sessions notice the change
    /// themselves).
    pub async fn set_password(&self, address: &str, new_password: &str) -> AdminResult<()> {
        self.set_password_keeping(address, new_password, None).await
    }

    /// [`Admin::set_password`], keeping the webmail session `keep` (its
    /// token's hash): the user who changed it stays signed in there.
    pub async fn set_password_keeping(
        &self,
        address: &str,
        new_password: &str,
        keep: Option<&str>,
    ) -> AdminResult<()> {
        password::check_new(new_password).map_err(|e| AdminError::Invalid(e.into()))?;
        let mailbox = self.mailbox(address).await?;
        let hash = password::hash(new_password).map_err(AdminError::Invalid)?;
        self.store
            .set_password_hash(&mailbox.address, &hash)
            .await?;
        let ended = self
            .store
            .remove_mail_sessions(&mailbox.address, keep)
            .await?;
        tracing::info!(mailbox = %mailbox.address, ended, "password changed; webmail sessions ended");
        Ok(())
    }

    /// Sets the quota (bytes, 0 for none) and the display name (none when
    /// empty; at most 100 characters, no control characters).
    pub async fn set_mailbox_details(
        &self,
        address: &str,
        quota_bytes: i64,
        display_name: &str,
    ) -> AdminResult<Mailbox> {
        if quota_bytes < 0 {
            return Err(AdminError::Invalid("the quota must not be negative".into()));
        }
        let name = display_name.trim();
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(AdminError::Invalid(
                "the display name must be at most 100 characters, without control characters"
                    .into(),
            ));
        }
        let mailbox = self.mailbox(address).await?;
        let name = (!name.is_empty()).then_some(name);
        self.store
            .set_mailbox_details(&mailbox.address, quota_bytes, name)
            .await?;
        self.mailbox(&mailbox.address).await
    }

    pub async fn set_mailbox_state(
        &self,
        address: &str,
        state: Activation,
    ) -> AdminResult<Mailbox> {
        let mailbox = self.mailbox(address).await?;
        self.store
            .set_mailbox_state(&mailbox.address, state)
            .await?;
        self.mailbox(&mailbox.address).await
    }

    /// Removes a mailbox, the messages in it, its webmail sessions and its
    /// profile: a mailbox made again under the name starts empty, and no
    /// cookie of the old one opens it.
    pub async fn remove_mailbox(&self, address: &str) -> AdminResult<u64> {
        let mailbox = self.mailbox(address).await?;
        self.store
            .remove_mail_sessions(&mailbox.address, None)
            .await?;
        self.store.remove_profile(&mailbox.address).await?;
        let removed = self.store.delete_mailbox_entries(&mailbox.address).await?;
        self.store.delete_mailbox_folders(&mailbox.address).await?;
        self.store.remove_mailbox(&mailbox.address).await?;
        Ok(removed)
    }

    pub async fn mailbox_usage(&self, address: &str) -> AdminResult<(Mailbox, Usage)> {
        let mailbox = self.mailbox(address).await?;
        let usage = self.store.mailbox_usage(&mailbox.address).await?;
        Ok((mailbox, usage))
    }
}

#[cfg(feature = "pgp")]
impl Admin<'_> {
    /// Replaces the mailbox's OpenPGP key with a fresh one.
    pub async fn regenerate_pgp(&self, address: &str) -> AdminResult<crate::pgp::PgpKey> {
        let mailbox = self.mailbox(address).await?;
        let owner = mailbox.address.clone();
        // Key generation is CPU work: keep it off the I/O threads.
        let key = tokio::task::spawn_blocking(move || crate::pgp::PgpKey::generate(&owner))
            .await
            .map_err(|e| AdminError::Invalid(e.to_string()))?
            .map_err(AdminError::Invalid)?;
        self.store.put_pgp_key(&key).await?;
        Ok(key)
    }
}
