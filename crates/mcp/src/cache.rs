//! One account's cache as the bridge uses it: opened once (the key of an encrypted cache
//! comes from the OS keyring), shared by every session, and retried when SQLite reports
//! it busy because a sync in another process holds the write lock.
//!
//! Invariants: SQLite calls run on the blocking pool, never on the async workers; one
//! [`Store`] connection is used at a time (the mutex), and server work that needs the
//! store across awaits holds the same mutex, so the journal and the cache never race.

use std::sync::Arc;
use std::time::Duration;

use backon::{BlockingRetryable, ExponentialBuilder};
use mailcall_mail::{Account, CacheAccess, Connection, Keyring, Store};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::{Error, Result};

/// Tries per call when the cache is busy; each try also waits SQLite's own busy timeout.
const BUSY_TRIES: u32 = 8;

/// The account and its open cache.
#[derive(Clone, Debug)]
pub struct Cache {
    account: Arc<Account>,
    store: Arc<Mutex<Store>>,
}

impl Cache {
    /// Opens the account's cache; an encrypted one needs its key in the keyring.
    pub async fn open(account: Account) -> Result<Cache> {
        let access = CacheAccess::of(&account, &Keyring::default(), false).await?;
        let store =
            tokio::task::spawn_blocking(move || retry_busy(|| access.open().map_err(Error::from)))
                .await??;
        Ok(Cache::with_store(account, store))
    }

    /// A cache around an already open store.
    pub fn with_store(account: Account, store: Store) -> Cache {
        Cache {
            account: Arc::new(account),
            store: Arc::new(Mutex::new(store)),
        }
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    /// Refuses when the account does not allow assistants to change mail.
    pub fn ensure_writable(&self) -> Result<()> {
        if self.account.mcp_writes {
            Ok(())
        } else {
            Err(Error::ReadOnly {
                account: self.account.name.clone(),
            })
        }
    }

    /// Runs `f` on the store off the async workers, again while the cache is busy.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&mut Store) -> Result<T> + Send + 'static,
    {
        let mut guard = self.store.clone().lock_owned().await;
        let mut f = f;
        tokio::task::spawn_blocking(move || retry_busy(|| f(&mut guard))).await?
    }

    /// The store for work that awaits the server while holding it.
    pub async fn lock(&self) -> OwnedMutexGuard<Store> {
        self.store.clone().lock_owned().await
    }

    /// A logged-in connection, with the password from the keyring.
    pub async fn connect(&self) -> Result<Connection> {
        let password = Keyring::default().password(&self.account.name).await?;
        Ok(Connection::open(&self.account, &password).await?)
    }
}

/// Calls `f` until it succeeds, fails for another reason than a busy cache, or the tries
/// run out (pauses from 20 ms growing by half each time, about 0.6 s in all).
pub fn retry_busy<T>(f: impl FnMut() -> Result<T>) -> Result<T> {
    let pauses = ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(20))
        .with_factor(1.5)
        .with_max_times(BUSY_TRIES as usize - 1);
    f.retry(pauses)
        .sleep(std::thread::sleep)
        .when(|e: &Error| e.is_busy())
        .notify(|_, delay| tracing::debug!(?delay, "cache busy; trying again"))
        .call()
        .map_err(|e| if e.is_busy() { Error::Busy } else { e })
}
