//! Turning an administrator's TOTP second factor on and off.

use super::{Admin, AdminError, AdminResult};
use crate::model::SecondFactor;
use crate::second_factor::{self, matching_step, new_recovery_codes, recovery_hash};

/// A secret to scan, waiting for its first code.
pub struct Enrolment {
    pub secret: String,
    /// The `otpauth://` URL (what the QR code holds).
    pub url: String,
}

impl Admin<'_> {
    /// Makes a new secret for `name` to scan; the second factor is on only
    /// once a code from it is confirmed.
    pub async fn start_totp(&self, name: &str) -> AdminResult<Enrolment> {
        let admin = self.administrator(name).await?;
        if admin.totp.is_some() {
            return Err(AdminError::Conflict(
                "the second factor is on already; turn it off first".into(),
            ));
        }
        let secret = second_factor::new_secret();
        let url = second_factor::otpauth_url(&secret, name).map_err(AdminError::Invalid)?;
        self.store.set_totp_pending(name, Some(&secret)).await?;
        Ok(Enrolment { secret, url })
    }

    /// The waiting secret and URL, to show them again.
    pub async fn pending_totp(&self, name: &str) -> AdminResult<Option<Enrolment>> {
        let admin = self.administrator(name).await?;
        let Some(secret) = admin.totp_pending else {
            return Ok(None);
        };
        let url = second_factor::otpauth_url(&secret, name).map_err(AdminError::Invalid)?;
        Ok(Some(Enrolment { secret, url }))
    }

    /// Turns the second factor on if `code` is the waiting secret's current
    /// code; returns the recovery codes, to be shown once.
    pub async fn confirm_totp(&self, name: &str, code: &str, now: u64) -> AdminResult<Vec<String>> {
        let admin = self.administrator(name).await?;
        let Some(secret) = admin.totp_pending else {
            return Err(AdminError::Conflict(
                "no second factor is being set up; start again".into(),
            ));
        };
        let Some(step) = matching_step(&secret, code, now) else {
            return Err(AdminError::Invalid(
                "that is not the code the app shows now; check the phone's clock and try again"
                    .into(),
            ));
        };
        let codes = new_recovery_codes();
        let factor = SecondFactor {
            secret,
            recovery: codes.iter().map(|c| recovery_hash(c)).collect(),
            last_step: step as i64,
        };
        if !self.store.enable_totp(name, &factor).await? {
            return Err(AdminError::Conflict(
                "the set-up changed meanwhile; start again".into(),
            ));
        }
        Ok(codes)
    }

    /// Turns the second factor off (the administrator, or `mismoctl` for
    /// one who lost both phone and recovery codes).
    pub async fn disable_totp(&self, name: &str) -> AdminResult<()> {
        self.administrator(name).await?;
        self.store.disable_totp(name).await?;
        Ok(())
    }
}
