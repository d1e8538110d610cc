//! Keyset paging: a page is read with one item more than it shows, and the
//! key of its last item is where the next page starts (no `skip`, so a page
//! costs the same however deep it is).

use mismo_core::model::Administrator;
use mismo_core::store::IdPage;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;

use crate::scope;
use mismo_core::web::HttpError;

/// Items on one page of any list.
pub const PAGE_SIZE: i64 = 50;

/// How many to ask the store for: one more than a page, to know if there
/// is a next one.
pub const FETCH: i64 = PAGE_SIZE + 1;

/// The page's items, and the key the next page starts after (none on the
/// last page).
pub fn split<T>(mut items: Vec<T>, key: impl Fn(&T) -> String) -> (Vec<T>, Option<String>) {
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    let next = if more { items.last().map(key) } else { None };
    (items, next)
}

/// Whether a list sorted by `key` runs downwards: `sort` is `key` or
/// `-key` (as in a column header's link), or absent for upwards.
pub fn descending(sort: Option<&str>, key: &str) -> Result<bool, HttpError> {
    match sort {
        None | Some("") => Ok(false),
        Some(s) if s == key => Ok(false),
        Some(s) if s.strip_prefix('-') == Some(key) => Ok(true),
        Some(other) => Err(HttpError::Invalid(format!(
            "sort must be '{key}' or '-{key}', not {other:?}"
        ))),
    }
}

/// Which page of a list: ids starting with `q`, after `after`, in the
/// order `sort` names (`address` or `-address`, `source` or `-source`),
/// in one `domain` or all the administrator's.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    pub after: Option<String>,
    pub sort: Option<String>,
    pub domain: Option<String>,
}

impl ListQuery {
    /// The store's page for this query, sorted on `key`.
    pub fn page<'a>(
        &'a self,
        admin: &'a Administrator,
        prefix: &'a str,
        key: &str,
    ) -> Result<IdPage<'a>, HttpError> {
        let domains = match self.domain.as_ref().filter(|d| !d.is_empty()) {
            Some(domain) => {
                scope::domain(admin, domain)?;
                Some(std::slice::from_ref(domain))
            }
            None => scope::domains(admin),
        };
        Ok(IdPage {
            domains,
            prefix,
            after: self.after.as_deref(),
            descending: descending(self.sort.as_deref(), key)?,
            limit: FETCH,
        })
    }

    /// The search and domain as the start of a link's query string, ending
    /// in `&`, so that sorting and paging links keep them.
    pub fn carried(&self) -> String {
        let encode = |v: &str| utf8_percent_encode(v, NON_ALPHANUMERIC).to_string();
        let mut link = format!("q={}&", encode(&self.q));
        if let Some(domain) = self.domain.as_deref().filter(|d| !d.is_empty()) {
            link.push_str(&format!("domain={}&", encode(domain)));
        }
        link
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_key_only_when_there_is_more() {
        let (page, next) = split((0..FETCH).collect(), |n| n.to_string());
        assert_eq!(
            (page.len() as i64, next.as_deref()),
            (PAGE_SIZE, Some("49"))
        );
        let (page, next) = split((0..PAGE_SIZE).collect(), |n| n.to_string());
        assert_eq!((page.len() as i64, next), (PAGE_SIZE, None));
    }

    #[test]
    fn links_carry_the_search_and_domain() {
        let query = ListQuery {
            q: "zoë&x".into(),
            after: Some("a".into()),
            sort: Some("-address".into()),
            domain: Some("a.test".into()),
        };
        assert_eq!(query.carried(), "q=zo%C3%AB%26x&domain=a%2Etest&");
    }

    #[test]
    fn sort_orders_name_their_column() {
        assert!(!descending(None, "address").unwrap());
        assert!(!descending(Some("address"), "address").unwrap());
        assert!(descending(Some("-address"), "address").unwrap());
        assert!(matches!(
            descending(Some("size"), "address"),
            Err(HttpError::Invalid(_))
        ));
    }
}
