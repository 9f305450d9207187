//! A few cache connections of one account, each used by one blocking task at a time.
//!
//! Invariants: SQLite work runs on `spawn_blocking`, never on the async runtime; a
//! semaphore holds callers beyond the pool's size, so at most `size` statements run at
//! once and each has its own connection (WAL lets readers run beside the writer).
//! Connections are opened on first use; one lost to a panic is opened again.

use std::sync::{Arc, Mutex};

use mailcall_mail::{CacheAccess, Store};
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult};

/// Page cache of each pooled connection: a list window or a search page touches a few
/// hundred pages, and the rest comes from the OS's file cache, which the process does not
/// hold. At the 64 MiB a sync connection keeps, the pool alone could hold a quarter GiB.
const READ_CACHE_KIB: u32 = 8 * 1024;

pub(crate) struct Pool {
    access: Arc<CacheAccess>,
    idle: Mutex<Vec<Store>>,
    permits: Semaphore,
}

impl Pool {
    pub fn new(access: Arc<CacheAccess>, size: usize) -> Pool {
        Pool {
            access,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(size.max(1)),
        }
    }

    /// Runs `f` on a connection of the pool, off the async runtime.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> mailcall_mail::Result<T> + Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ApiError::internal("the cache pool is closed"))?;
        let kept = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let access = self.access.clone();
        let (store, out) = tokio::task::spawn_blocking(move || {
            let mut store = match kept {
                Some(s) => s,
                None => match access.open().and_then(|s| {
                    s.limit_page_cache(READ_CACHE_KIB)?;
                    Ok(s)
                }) {
                    Ok(s) => s,
                    Err(e) => return (None, Err(e)),
                },
            };
            let out = f(&mut store);
            (Some(store), out)
        })
        .await
        .map_err(|e| ApiError::internal(format!("a cache task failed: {e}")))?;
        if let (Some(store), Ok(mut idle)) = (store, self.idle.lock()) {
            idle.push(store);
        }
        out.map_err(ApiError::from)
    }
}
