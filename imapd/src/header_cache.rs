//! Header blocks lately read from the store, shared by every session of one
//! imapd, so a header SEARCH or a second FETCH of ENVELOPEs is answered from
//! memory, as Dovecot answers them from its cache file.
//!
//! A filed message's bytes never change and entry ids are never reused, so
//! nothing here goes stale: entries only age out when the budget is spent.
//! A session only ever asks for ids in its own selected folder, so the cache
//! crosses no mailbox boundary.

use std::sync::Arc;

/// A header block, or `None` where the entry keeps no header apart (the
/// whole message must be read instead).
pub type Header = Option<Arc<[u8]>>;

/// How many bytes of header blocks one imapd keeps.
const BUDGET: u64 = 32 << 20;

pub struct HeaderCache(moka::sync::Cache<String, Header>);

impl Default for HeaderCache {
    fn default() -> Self {
        Self(
            moka::sync::Cache::builder()
                .max_capacity(BUDGET)
                .weigher(|id: &String, header: &Header| {
                    let bytes = id.len() + header.as_ref().map_or(0, |h| h.len()) + 64;
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .build(),
        )
    }
}

impl HeaderCache {
    pub fn get(&self, id: &str) -> Option<Header> {
        self.0.get(id)
    }

    pub fn insert(&self, id: String, header: Header) {
        self.0.insert(id, header);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_headers_and_their_absence() {
        let cache = HeaderCache::default();
        assert_eq!(cache.get("a"), None);
        cache.insert("a".into(), Some(Arc::from(&b"Subject: x\r\n\r\n"[..])));
        cache.insert("b".into(), None);
        assert_eq!(
            cache.get("a"),
            Some(Some(Arc::from(&b"Subject: x\r\n\r\n"[..])))
        );
        assert_eq!(cache.get("b"), Some(None));
    }
}
