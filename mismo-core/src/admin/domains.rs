use super::{Admin, AdminError, AdminResult};
use crate::dns::{self, Answer, Resolver};
use crate::model::address::normalize_domain;
use crate::model::{now_ms, Activation, Domain, Verification, VerificationStatus};
use crate::StoreError;

impl Admin<'_> {
    /// Adds a domain, enabled: it accepts mail at once.
    pub async fn add_domain(&self, name: &str) -> AdminResult<Domain> {
        let domain = Domain::new(normalize_domain(name)?);
        match self.store.insert_domain(&domain).await {
            Ok(()) => Ok(domain),
            Err(StoreError::Duplicate(_)) => Err(AdminError::Conflict(format!(
                "domain {} exists already",
                domain.name
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn domain(&self, name: &str) -> AdminResult<Domain> {
        let name = normalize_domain(name)?;
        self.store
            .get_domain(&name)
            .await?
            .ok_or_else(|| AdminError::NotFound(format!("no domain {name}")))
    }

    pub async fn set_domain_state(&self, name: &str, state: Activation) -> AdminResult<Domain> {
        let name = normalize_domain(name)?;
        if !self.store.set_domain_state(&name, state).await? {
            return Err(AdminError::NotFound(format!("no domain {name}")));
        }
        self.domain(&name).await
    }

    /// Removes a domain that holds no mailboxes and no aliases.
    pub async fn remove_domain(&self, name: &str) -> AdminResult<()> {
        let name = normalize_domain(name)?;
        self.domain(&name).await?;
        let mailboxes = self.store.count_mailboxes(&name).await?;
        let aliases = self.store.count_aliases(&name).await?;
        if mailboxes + aliases > 0 {
            return Err(AdminError::Conflict(format!(
                "domain {name} still has {mailboxes} mailbox(es) and {aliases} alias(es); remove them first"
            )));
        }
        self.store.remove_domain(&name).await?;
        Ok(())
    }

    /// Looks up the domain's TXT records and records whether the verification
    /// record is among them.
    pub async fn verify_domain(&self, name: &str, resolver: &Resolver) -> AdminResult<Domain> {
        let mut domain = self.domain(name).await?;
        domain.verification = verify_domain(&domain, resolver).await;
        self.store
            .set_domain_verification(&domain.name, &domain.verification)
            .await?;
        Ok(domain)
    }
}

/// Checks a domain's verification record; the outcome, never an error, since
/// a failed look-up is itself a result to record.
pub async fn verify_domain(domain: &Domain, resolver: &Resolver) -> Verification {
    let expected = domain.verification_record();
    let (status, detail) = match dns::txt(resolver, &domain.name).await {
        Ok(Answer::Records(records)) if records.iter().any(|r| r.trim() == expected) => (
            VerificationStatus::Verified,
            format!("TXT record {expected:?} found"),
        ),
        Ok(Answer::Records(records)) => (
            VerificationStatus::Failed,
            format!(
                "TXT record {expected:?} not found ({} other TXT record(s))",
                records.len()
            ),
        ),
        Ok(Answer::None) => (
            VerificationStatus::Failed,
            format!("no TXT records; publish {expected:?}"),
        ),
        Err(e) => (VerificationStatus::Failed, e),
    };
    Verification {
        token: domain.verification.token.clone(),
        status,
        checked_at: Some(now_ms()),
        detail: Some(detail),
    }
}
