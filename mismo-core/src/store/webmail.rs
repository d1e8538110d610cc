//! Webmail's own documents: sessions, profiles with their pictures, and the
//! record of auto-replies sent.

use std::time::Duration;

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Binary, DateTime};

use super::names::{ALIASES, PROFILES, VACATION_REPLIES, WEBMAIL_SESSIONS};
use super::{Store, StoreError, StoreResult};
use crate::model::{now_ms, Alias, MailSession, Profile, Vacation};

impl Store {
    fn mail_sessions(&self) -> mongodb::Collection<MailSession> {
        self.collection(WEBMAIL_SESSIONS)
    }

    fn profiles(&self) -> mongodb::Collection<Profile> {
        self.collection(PROFILES)
    }

    pub async fn insert_mail_session(&self, session: &MailSession) -> StoreResult<()> {
        self.run(self.mail_sessions().insert_one(session)).await?;
        Ok(())
    }

    /// The session with this token hash, unless it has expired (the TTL
    /// index removes expired sessions only once a minute).
    pub async fn get_mail_session(&self, token_hash: &str) -> StoreResult<Option<MailSession>> {
        self.run(self.mail_sessions().find_one(doc! {
            "_id": token_hash,
            "expires_at": { "$gt": DateTime::now() },
        }))
        .await
    }

    pub async fn remove_mail_session(&self, token_hash: &str) -> StoreResult<()> {
        self.run(self.mail_sessions().delete_one(doc! { "_id": token_hash }))
            .await?;
        Ok(())
    }

    /// Ends every session of a mailbox but `keep` (the one that changed the
    /// password stays signed in).
    pub async fn remove_mail_sessions(
        &self,
        mailbox: &str,
        keep: Option<&str>,
    ) -> StoreResult<u64> {
        let mut filter = doc! { "mailbox": mailbox };
        if let Some(keep) = keep {
            filter.insert("_id", doc! { "$ne": keep });
        }
        let res = self.run(self.mail_sessions().delete_many(filter)).await?;
        Ok(res.deleted_count)
    }

    /// A mailbox's profile (an empty one if it set nothing yet), without the
    /// picture's bytes.
    pub async fn get_profile(&self, address: &str) -> StoreResult<Profile> {
        let found = self
            .run(
                self.profiles()
                    .find_one(doc! { "_id": address })
                    .projection(doc! { "picture": 0 }),
            )
            .await?;
        Ok(found.unwrap_or_else(|| Profile {
            address: address.to_string(),
            ..Default::default()
        }))
    }

    pub async fn set_signature(&self, address: &str, signature: &str) -> StoreResult<()> {
        self.upsert_profile(address, doc! { "$set": { "signature": signature } })
            .await
    }

    pub async fn set_vacation(&self, address: &str, vacation: &Vacation) -> StoreResult<()> {
        let value = mongodb::bson::to_bson(vacation)
            .map_err(|e| StoreError::Other(format!("vacation: {e}")))?;
        self.upsert_profile(address, doc! { "$set": { "vacation": value } })
            .await
    }

    /// Stores a picture (its type checked by the caller), or removes it.
    pub async fn set_picture(
        &self,
        address: &str,
        picture: Option<(&str, &[u8])>,
    ) -> StoreResult<()> {
        let update = match picture {
            Some((media_type, bytes)) => doc! { "$set": {
                "picture_type": media_type,
                "picture": Binary { subtype: mongodb::bson::spec::BinarySubtype::Generic, bytes: bytes.to_vec() },
            } },
            None => doc! { "$unset": { "picture_type": "", "picture": "" } },
        };
        self.upsert_profile(address, update).await
    }

    /// The picture's media type and bytes.
    pub async fn get_picture(&self, address: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
        let found = self
            .run(
                self.raw(PROFILES)
                    .find_one(doc! { "_id": address })
                    .projection(doc! { "picture": 1, "picture_type": 1 }),
            )
            .await?;
        Ok(found.and_then(|d| {
            let media_type = d.get_str("picture_type").ok()?.to_string();
            let bytes = d.get_binary_generic("picture").ok()?.clone();
            Some((media_type, bytes))
        }))
    }

    async fn upsert_profile(
        &self,
        address: &str,
        update: mongodb::bson::Document,
    ) -> StoreResult<()> {
        self.run(
            self.raw(PROFILES)
                .update_one(doc! { "_id": address }, update)
                .upsert(true),
        )
        .await?;
        Ok(())
    }

    pub async fn remove_profile(&self, address: &str) -> StoreResult<()> {
        self.run(self.raw(PROFILES).delete_one(doc! { "_id": address }))
            .await?;
        Ok(())
    }

    /// The aliases that deliver to `mailbox`: the other addresses it may
    /// send as.
    pub async fn aliases_of(&self, mailbox: &str) -> StoreResult<Vec<Alias>> {
        let cursor = self
            .run(
                self.collection::<Alias>(ALIASES)
                    .find(doc! { "targets": mailbox })
                    .sort(doc! { "_id": 1 }),
            )
            .await?;
        self.run(cursor.try_collect()).await
    }

    /// Whether `user` (a mailbox, signed in) may send as `sender`: its own
    /// address, or an alias that delivers to it (RFC 6409 8.1). Catch-alls
    /// (`@domain`) are not addresses and never match.
    pub async fn may_send_as(&self, user: &str, sender: &str) -> StoreResult<bool> {
        if sender == user {
            return Ok(true);
        }
        // A catch-all (`@domain`) is an alias, but no address to send as.
        if crate::model::address::Address::parse(sender).is_err() {
            return Ok(false);
        }
        Ok(self
            .get_alias(sender)
            .await?
            .is_some_and(|alias| alias.targets.iter().any(|t| t == user)))
    }

    /// Records that `mailbox` answers `sender` now, unless it did within
    /// `interval`: true when a reply is due. One atomic write decides, so two
    /// deliveries at once send one reply.
    pub async fn vacation_reply_due(
        &self,
        mailbox: &str,
        sender: &str,
        interval: Duration,
    ) -> StoreResult<bool> {
        let id = format!("{mailbox}\n{}", sender.to_ascii_lowercase());
        let now = now_ms();
        let until = DateTime::from_millis(now + interval.as_millis() as i64);
        let log = self.raw(VACATION_REPLIES);
        match self
            .run(log.insert_one(doc! { "_id": &id, "sent_at": now, "expires_at": until }))
            .await
        {
            Ok(_) => Ok(true),
            Err(StoreError::Duplicate(_)) => {
                // Still there: the TTL index may not have removed it yet.
                let res = self
                    .run(log.update_one(
                        doc! { "_id": &id, "expires_at": { "$lte": DateTime::from_millis(now) } },
                        doc! { "$set": { "sent_at": now, "expires_at": until } },
                    ))
                    .await?;
                Ok(res.modified_count == 1)
            }
            Err(e) => Err(e),
        }
    }
}
