//! Keyset paging: a page is read with one item more than it shows, and the
//! key of its last item is where the next page starts (no `skip`, so a page
//! costs the same however deep it is).

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
}
