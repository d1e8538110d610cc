//! Reading the selected folder's messages ahead of the one asked for.
//!
//! A client that reads one message nearly always reads the next (FETCH
//! 1:*, a sync, a SEARCH), and one find for many costs the store little
//! more than one for one. Entries (with their bytes) and header blocks are
//! read in batches and kept here until asked for; header blocks also go to
//! the imapd-wide [`HeaderCache`].

use std::collections::HashMap;
use std::sync::Arc;

use mismo_core::model::MailboxEntry;
use mismo_core::{Store, StoreError};

use crate::header_cache::{Header, HeaderCache};
use crate::view::Msg;

/// At most this many entries, and this many bytes, per read.
const READ_AHEAD: usize = 128;
const READ_AHEAD_BYTES: i64 = 2 << 20;
/// How many header blocks are read at once.
const HEADERS_AHEAD: usize = 512;

type HeadersRead = tokio::task::JoinHandle<Result<Vec<(String, Option<Vec<u8>>)>, StoreError>>;

/// Where the store and cache a session reads from are, and which folder.
pub struct Source<'a> {
    pub store: &'a Store,
    pub cache: &'a HeaderCache,
    pub mailbox: &'a str,
    /// The selected folder's messages, as the session numbers them.
    pub msgs: &'a [Msg],
}

#[derive(Default)]
pub struct ReadAhead {
    /// Entries (bytes included) read ahead of the one asked for.
    entries: HashMap<String, MailboxEntry>,
    /// Header blocks read ahead, the same way.
    headers: HashMap<String, Header>,
    /// The message after the last header blocks read ahead: asked for
    /// next, it shows the session reads in order.
    headers_next: Option<String>,
    /// The next header blocks, being read: the first one's id, and the read.
    headers_reading: Option<(String, HeadersRead)>,
}

impl ReadAhead {
    /// Forgets everything: another folder was selected.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.headers.clear();
        self.headers_next = None;
        if let Some((_, read)) = self.headers_reading.take() {
            read.abort();
        }
    }

    /// Message `index`'s entry, bytes included, read ahead with the next
    /// ones; `None` if it was expunged meanwhile.
    pub async fn entry(
        &mut self,
        src: &Source<'_>,
        index: usize,
    ) -> Result<Option<MailboxEntry>, StoreError> {
        let Some(msg) = src.msgs.get(index) else {
            return Ok(None);
        };
        if let Some(e) = self.entries.remove(&msg.id) {
            return Ok(Some(e));
        }
        let mut bytes = 0;
        let ids: Vec<String> = src.msgs[index..]
            .iter()
            .take(READ_AHEAD)
            .enumerate()
            .take_while(|(n, m)| {
                bytes += m.size;
                *n == 0 || bytes <= READ_AHEAD_BYTES
            })
            .map(|(_, m)| m.id.clone())
            .collect();
        self.entries.clear();
        for e in src.store.get_entries(src.mailbox, &ids).await? {
            self.entries.insert(e.id.clone(), e);
        }
        Ok(self.entries.remove(&msg.id))
    }

    /// Message `index`'s bytes as delivered (delivery headers first).
    pub async fn message(
        &mut self,
        src: &Source<'_>,
        index: usize,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(entry) = self.entry(src, index).await? else {
            return Ok(None);
        };
        let bytes = src.store.get_blob(&entry.blob).await?;
        let mut full = Vec::with_capacity(entry.delivery_headers.len() + bytes.len());
        full.extend_from_slice(entry.delivery_headers.as_bytes());
        full.extend_from_slice(&bytes);
        Ok(Some(full))
    }

    /// Message `index`'s header block as delivered (delivery headers
    /// first), read ahead with the next ones' and without any body; the
    /// whole message where no header is kept apart.
    pub async fn header(
        &mut self,
        src: &Source<'_>,
        index: usize,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(msg) = src.msgs.get(index) else {
            return Ok(None);
        };
        if !self.headers.contains_key(&msg.id) {
            self.read_headers(src, index).await?;
        }
        match self.headers.remove(&msg.id) {
            // Expunged meanwhile.
            None => Ok(None),
            Some(Some(header)) => Ok(Some(header.to_vec())),
            Some(None) => self.message(src, index).await,
        }
    }

    /// Fills `headers` with the header blocks of the messages from `index`
    /// on: from the shared cache, from a read started earlier, and from the
    /// store for the rest. When the session reads on in order (ENVELOPEs of
    /// a whole folder, a header SEARCH), the next batch is read meanwhile,
    /// so the store and this session work at once.
    async fn read_headers(&mut self, src: &Source<'_>, index: usize) -> Result<(), StoreError> {
        let batch: Vec<String> = src.msgs[index..]
            .iter()
            .take(HEADERS_AHEAD)
            .map(|m| m.id.clone())
            .collect();
        let following = src
            .msgs
            .get(index + HEADERS_AHEAD..)
            .unwrap_or_default()
            .iter()
            .take(HEADERS_AHEAD)
            .map(|m| m.id.clone())
            .filter(|id| src.cache.get(id).is_none())
            .collect::<Vec<_>>();
        let in_order = self.headers_next.as_deref() == batch.first().map(String::as_str);
        self.headers_next = src.msgs.get(index + HEADERS_AHEAD).map(|m| m.id.clone());
        self.headers.clear();
        if let Some((first, read)) = self.headers_reading.take() {
            if batch.first() == Some(&first) {
                // A failed read ahead is read again below.
                if let Ok(Ok(found)) = read.await {
                    self.keep_headers(src.cache, found);
                }
            } else {
                read.abort();
            }
        }
        let mut missing = Vec::new();
        for id in batch {
            if self.headers.contains_key(&id) {
                continue;
            }
            match src.cache.get(&id) {
                Some(h) => {
                    self.headers.insert(id, h);
                }
                None => missing.push(id),
            }
        }
        if in_order && !following.is_empty() {
            let store = src.store.clone();
            let mailbox = src.mailbox.to_string();
            let first = following[0].clone();
            let read = tokio::spawn(async move { store.get_headers(&mailbox, &following).await });
            self.headers_reading = Some((first, read));
        }
        if !missing.is_empty() {
            let found = src.store.get_headers(src.mailbox, &missing).await?;
            self.keep_headers(src.cache, found);
        }
        Ok(())
    }

    /// Header blocks read from the store, into the shared cache and the
    /// ones read ahead.
    fn keep_headers(&mut self, cache: &HeaderCache, found: Vec<(String, Option<Vec<u8>>)>) {
        for (id, h) in found {
            let h: Header = h.map(Arc::from);
            cache.insert(id.clone(), h.clone());
            self.headers.insert(id, h);
        }
    }
}
