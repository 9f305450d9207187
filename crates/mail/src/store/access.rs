//! Opening an account's cache the way every front end does: the key of an encrypted
//! cache comes from the OS keyring, and a cache left with messages missing from the
//! full-text index (a sync interrupted before its bulk build) is indexed before use.
//!
//! Invariants:
//! - An encrypted account's cache is never opened, nor created, without its key: a read
//!   before the first sync must not leave a plain SQLite file where the encrypted cache
//!   belongs. Only a caller that may create the key (a sync) creates one.
//! - A cache returned by [`CacheAccess::open`] has nothing waiting for the index, so a
//!   search sees every cached message, also offline after an interrupted sync. The one
//!   exception is a cache another connection keeps locked past the busy timeout: that is
//!   a sync at work, which indexes those rows itself, so opening goes on without waiting.

use std::path::PathBuf;

use super::{CacheKey, Store};
use crate::account::Account;
use crate::credentials::Keyring;
use crate::error::{Error, Result};

/// Where an account's cache lives and the key that opens it.
pub struct CacheAccess {
    path: PathBuf,
    key: Option<CacheKey>,
}

impl std::fmt::Debug for CacheAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheAccess")
            .field("path", &self.path)
            .field("encrypted", &self.key.is_some())
            .finish()
    }
}

impl CacheAccess {
    /// The cache of `account`; with `create_key`, an encrypted account without a key yet
    /// gets a new one in `keyring` (its first sync). Without a key an encrypted cache is
    /// [`Error::WrongKey`].
    pub async fn of(account: &Account, keyring: &Keyring, create_key: bool) -> Result<Self> {
        let path = account.cache_file()?;
        let key = if account.encrypt_cache {
            let key = keyring.cache_key(&account.name, create_key).await?;
            if key.is_none() {
                return Err(Error::WrongKey { path });
            }
            key
        } else {
            None
        };
        Ok(CacheAccess { path, key })
    }

    /// Opens the cache, creating its folder and file when new, and indexes what an
    /// interrupted sync left unindexed. Blocking: SQLite work.
    pub fn open(&self) -> Result<Store> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| Error::CacheDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let mut store = Store::open(&self.path, self.key.as_ref())?;
        match store.index_pending(&mut |_, _| {}) {
            Ok(0) => {}
            Ok(indexed) => tracing::info!(indexed, "indexed messages an interrupted sync left"),
            Err(e) if e.is_busy() => {
                tracing::debug!("cache locked by a sync; it indexes its messages itself");
            }
            Err(e) => return Err(e),
        }
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::SearchOrder;
    use crate::store::testing::headers;

    fn found(store: &Store, query: &str) -> usize {
        store
            .search(query, SearchOrder::NewestFirst, 0, 100)
            .expect("search")
            .items
            .len()
    }

    /// An account whose cache at `file` (under a new folder) holds three messages a sync
    /// stored but did not index yet, as an interrupted sync leaves them.
    async fn unindexed_cache(file: &str) -> (tempfile::TempDir, CacheAccess) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut account = Account::new("t", "imap.access.test", "me");
        account.cache_path = Some(dir.path().join(file));
        let access = CacheAccess::of(&account, &Keyring::default(), false)
            .await
            .expect("access");
        let mut store = access.open().expect("open creates the folder");
        let inbox = store.ensure_mailbox("INBOX", None).expect("mailbox");
        store
            .store_headers(inbox, &headers("access.test", "ptarmigan", 1..=3))
            .expect("store");
        assert_eq!(store.pending_index().expect("pending"), 3);
        assert_eq!(found(&store, "ptarmigan"), 0);
        assert_eq!(found(&store, "folder:INBOX"), 3);
        (dir, access)
    }

    // A sync stopped between storing headers and the bulk index build leaves rows only a
    // later sync would index; opening the cache must index them, or an offline search
    // would miss mail the cache holds.
    #[tokio::test]
    async fn a_cache_left_unindexed_is_indexed_when_opened() {
        let (_dir, access) = unindexed_cache("not yet/cache.sqlite").await;
        let store = access.open().expect("reopen");
        assert_eq!(store.pending_index().expect("pending"), 0);
        assert_eq!(found(&store, "ptarmigan"), 3);
        assert_eq!(found(&store, "subject:ptarmigan from:ann"), 3);
    }

    // A sync in another process holds the write lock while it stores; opening the cache
    // for a read must not fail on the rows that sync is about to index itself.
    #[tokio::test]
    async fn a_cache_locked_by_a_sync_opens_without_indexing() {
        let (dir, access) = unindexed_cache("cache.sqlite").await;
        let sync = rusqlite::Connection::open(dir.path().join("cache.sqlite")).expect("open");
        sync.execute_batch("BEGIN IMMEDIATE").expect("write lock");
        let store = access.open().expect("opens while locked");
        assert_eq!(store.pending_index().expect("pending"), 3);
        assert_eq!(found(&store, "folder:INBOX"), 3);
        sync.execute_batch("COMMIT").expect("release");
        drop(store);
        let store = access.open().expect("reopen");
        assert_eq!(found(&store, "ptarmigan"), 3);
    }
}
