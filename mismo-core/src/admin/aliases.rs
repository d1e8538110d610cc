use super::{Admin, AdminError, AdminResult};
use crate::model::address::{normalize_domain, Address};
use crate::model::Alias;

impl Admin<'_> {
    /// Adds targets to an alias (creating it). `@domain` is the catch-all.
    pub async fn add_alias(&self, source: &str, targets: &[String]) -> AdminResult<Alias> {
        let (source, domain) = alias_source(source)?;
        if targets.is_empty() {
            return Err(AdminError::Invalid(
                "an alias needs at least one target".into(),
            ));
        }
        let targets = targets
            .iter()
            .map(|t| Address::parse(t).map(|a| a.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        if targets.contains(&source) {
            return Err(AdminError::Invalid(format!(
                "{source} cannot point to itself"
            )));
        }
        if self.store.get_domain(&domain).await?.is_none() {
            return Err(AdminError::NotFound(format!(
                "domain {domain} is not hosted here; add it first"
            )));
        }
        if self.store.get_mailbox(&source).await?.is_some() {
            return Err(AdminError::Conflict(format!("{source} is a mailbox")));
        }
        Ok(self
            .store
            .add_alias_targets(&source, &domain, &targets)
            .await?)
    }

    pub async fn alias(&self, source: &str) -> AdminResult<Alias> {
        let (source, _) = alias_source(source)?;
        self.store
            .get_alias(&source)
            .await?
            .ok_or_else(|| AdminError::NotFound(format!("no alias {source}")))
    }

    /// Takes one target off an alias; the last one removes the alias, and
    /// then `None` is returned.
    pub async fn remove_alias_target(
        &self,
        source: &str,
        target: &str,
    ) -> AdminResult<Option<Alias>> {
        let (source, _) = alias_source(source)?;
        let target = Address::parse(target)?.to_string();
        let alias = self
            .store
            .remove_alias_target(&source, &target)
            .await?
            .ok_or_else(|| AdminError::NotFound(format!("no alias {source}")))?;
        Ok(Some(alias).filter(|a| !a.targets.is_empty()))
    }

    pub async fn remove_alias(&self, source: &str) -> AdminResult<()> {
        let (source, _) = alias_source(source)?;
        if self.store.remove_alias(&source).await? {
            Ok(())
        } else {
            Err(AdminError::NotFound(format!("no alias {source}")))
        }
    }
}

/// Normalises `local@domain` or `@domain`; returns it with its domain.
pub fn alias_source(source: &str) -> AdminResult<(String, String)> {
    let source = source.trim();
    if let Some(domain) = source.strip_prefix('@') {
        let domain = normalize_domain(domain)?;
        return Ok((format!("@{domain}"), domain));
    }
    let address = Address::parse(source)?;
    Ok((address.to_string(), address.domain().to_string()))
}
