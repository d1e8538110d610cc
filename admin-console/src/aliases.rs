//! The alias operations of the console, catch-alls (`@domain`) included,
//! for pages and API alike: each checks the alias's domain against the
//! administrator, then acts through `mismo_core::admin`.

use mismo_core::model::{Administrator, Alias};
use serde::Serialize;

use crate::actor::Actor;
use crate::paging::{self, ListQuery};
use crate::scope;
use crate::state::AppState;
use mismo_core::web::HttpError;

/// An alias as pages and the API show it.
#[derive(Debug, Serialize)]
pub struct AliasView {
    /// `local@domain`, or `@domain` for the catch-all.
    pub source: String,
    pub domain: String,
    pub catch_all: bool,
    pub targets: Vec<String>,
    pub created_at: i64,
}

impl From<Alias> for AliasView {
    fn from(a: Alias) -> Self {
        Self {
            catch_all: a.is_catch_all(),
            source: a.source,
            domain: a.domain,
            targets: a.targets,
            created_at: a.created_at,
        }
    }
}

/// A page of the list and where the next one starts.
#[derive(Debug, Serialize)]
pub struct AliasPage {
    pub aliases: Vec<AliasView>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
}

/// The alias's normalised source and its domain, if well-formed and in
/// this administrator's domains (else the same 404 as for no such alias).
fn source(admin: &Administrator, raw: &str) -> Result<(String, String), HttpError> {
    let (source, domain) = mismo_core::admin::alias_source(raw)?;
    if scope::domain(admin, &domain).is_err() {
        return Err(HttpError::NotFound(format!("no alias {source}")));
    }
    Ok((source, domain))
}

/// Targets as typed in one field: separated by commas, spaces or lines.
pub fn targets(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A page of the aliases this administrator manages, by source.
pub async fn page(
    state: &AppState,
    admin: &Administrator,
    query: &ListQuery,
) -> Result<AliasPage, HttpError> {
    let prefix = query.q.trim().to_lowercase();
    let found = state
        .store
        .alias_page(&query.page(admin, &prefix, "source")?)
        .await?;
    let (found, next) = paging::split(found, |a| a.source.clone());
    Ok(AliasPage {
        aliases: found.into_iter().map(AliasView::from).collect(),
        next,
    })
}

pub async fn get(
    state: &AppState,
    admin: &Administrator,
    raw: &str,
) -> Result<AliasView, HttpError> {
    let (source, _) = source(admin, raw)?;
    Ok(state.admin().alias(&source).await?.into())
}

/// Creates the alias, or adds targets to it.
pub async fn add(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    targets: &[String],
) -> Result<AliasView, HttpError> {
    let (source, domain) = mismo_core::admin::alias_source(raw)?;
    // Said as for a domain that does not exist, which add_alias says too.
    if scope::domain(&actor.admin, &domain).is_err() {
        return Err(HttpError::NotFound(format!(
            "domain {domain} is not hosted here; add it first"
        )));
    }
    let alias = state.admin().add_alias(&source, targets).await?;
    let detail = targets.join(", ");
    actor
        .record(state, "alias.add", &source, &domain, Some(detail))
        .await;
    Ok(alias.into())
}

/// Takes one target off; the alias is gone when it was the last (`None`).
pub async fn remove_target(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    target: &str,
) -> Result<Option<AliasView>, HttpError> {
    let (source, domain) = source(&actor.admin, raw)?;
    let left = state.admin().remove_alias_target(&source, target).await?;
    actor
        .record(
            state,
            "alias.target.remove",
            &source,
            &domain,
            Some(target.into()),
        )
        .await;
    Ok(left.map(AliasView::from))
}

pub async fn remove(state: &AppState, actor: &Actor, raw: &str) -> Result<(), HttpError> {
    let (source, domain) = source(&actor.admin, raw)?;
    state.admin().remove_alias(&source).await?;
    actor
        .record(state, "alias.remove", &source, &domain, None)
        .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn targets_are_split_on_commas_spaces_and_lines() {
        assert_eq!(
            super::targets(" a@x.test, b@y.test\nc@z.test  "),
            ["a@x.test", "b@y.test", "c@z.test"]
        );
        assert!(super::targets(" ,\n").is_empty());
    }
}
