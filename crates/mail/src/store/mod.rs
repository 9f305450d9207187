//! The SQLite cache of one account: opening (optionally encrypted with SQLCipher),
//! migrations, writes in batches, and the cheap reads the UI needs.
//!
//! Invariants:
//! - One file per account in WAL mode; readers and one writer may each open their own
//!   [`Store`] on the same file. Writes take `&mut self` and run in one transaction per
//!   batch, which also writes the thread links and either the FTS rows or their entries
//!   in the pending list of the bulk index build (see `index`), so the threads and the
//!   rows always agree and no row is missing from both the index and that list.
//! - An encrypted cache is unlocked with `PRAGMA key` before any other statement and
//!   checked at once; a missing or wrong key is [`Error::WrongKey`], never a later
//!   confusing failure. Pages are decrypted on demand: nothing holds the whole DB in
//!   memory.

mod access;
mod index;
mod key;
mod raw;
mod read;
pub(crate) mod schema;
#[cfg(test)]
mod testing;
mod write;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode};

pub use access::CacheAccess;
pub use key::CacheKey;
pub(crate) use read::{count_at, summary_from_row, SUMMARY_COLUMNS};
pub use read::{CacheStats, MailboxSummary, MessageDetail, MessageSummary, Page};
pub use schema::SCHEMA_VERSION;
pub(crate) use write::{insert_local, sort_key_floor, HeaderGroup};
pub use write::{BodyUpdate, FlagUpdate, MailboxState, NewMessage, UpsertReport};

use crate::error::{Context, Error, Result};

/// The compile-time options of the bundled SQLite/SQLCipher (`PRAGMA compile_options`),
/// for diagnostics: they show whether FTS5 and the codec are present.
pub fn compile_options() -> Result<Vec<String>> {
    let conn = Connection::open_in_memory().map_err(|source| Error::Open {
        path: PathBuf::from(":memory:"),
        source,
    })?;
    let mut stmt = conn
        .prepare("PRAGMA compile_options")
        .context("read compile options")?;
    let rows = stmt
        .query_map([], |r| r.get(0))
        .context("read compile options")?;
    rows.collect::<Result<_, _>>()
        .context("read compile options")
}

/// An open mail cache.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the cache at `path`. With a key the file is encrypted
    /// by SQLCipher; without one it is plain SQLite.
    pub fn open(path: impl AsRef<Path>, key: Option<&CacheKey>) -> Result<Store> {
        let path = path.as_ref().to_owned();
        let open_err = |source| Error::Open {
            path: path.clone(),
            source,
        };
        let conn = Connection::open(&path).map_err(open_err)?;
        if let Some(key) = key {
            // A wrong key is reported as an error below; SQLCipher's own log of it would
            // only be noise on stderr.
            conn.execute_batch("PRAGMA cipher_log_level = NONE")
                .map_err(open_err)?;
            conn.execute_batch(&key.pragma()).map_err(open_err)?;
        }
        // The first read of the schema is where SQLCipher notices a wrong key.
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => {}
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) => {
                return Err(Error::WrongKey { path });
            }
            Err(e) => return Err(open_err(e)),
        }
        let mut store = Store { conn, path };
        store.configure(true)?;
        schema::migrate(&mut store.conn)?;
        Ok(store)
    }

    /// A cache in memory, for tests and tools that do not keep one.
    pub fn open_in_memory() -> Result<Store> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| Error::Open {
            path: path.clone(),
            source,
        })?;
        let mut store = Store { conn, path };
        store.configure(false)?;
        schema::migrate(&mut store.conn)?;
        Ok(store)
    }

    /// Moves the open connection into a second `Store` for a writer thread, leaving this
    /// one on an empty in-memory database until [`Store::restore`] gives it back.
    pub(crate) fn lend(&mut self) -> Result<Store> {
        let placeholder = Connection::open_in_memory().map_err(|source| Error::Open {
            path: PathBuf::from(":memory:"),
            source,
        })?;
        let conn = std::mem::replace(&mut self.conn, placeholder);
        Ok(Store {
            conn,
            path: self.path.clone(),
        })
    }

    /// Takes back the connection handed out by [`Store::lend`].
    pub(crate) fn restore(&mut self, lent: Store) {
        self.conn = lent.conn;
    }

    /// The file this cache lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&mut self, on_disk: bool) -> Result<()> {
        let c = &self.conn;
        if on_disk {
            let mode: String = c
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .context("switch to WAL")?;
            tracing::debug!(mode, "cache journal mode");
            // WAL with NORMAL is durable across application crashes; only a power loss can
            // drop the last transactions, which the next sync fetches again.
            c.pragma_update(None, "synchronous", "NORMAL")
                .context("set synchronous")?;
        }
        c.pragma_update(None, "foreign_keys", true)
            .context("enable foreign keys")?;
        c.pragma_update(None, "temp_store", "MEMORY")
            .context("set temp_store")?;
        c.pragma_update(None, "cache_size", -65_536)
            .context("set cache size")?;
        // A header batch cycles through about ten statements per row, and searches and
        // lists on the same connection add their own: more than the default 16, which
        // would make cached statements be parsed again.
        c.set_prepared_statement_cache_capacity(64);
        c.busy_timeout(std::time::Duration::from_secs(5))
            .context("set busy timeout")?;
        // Every transaction of the store writes. A deferred one starts as a reader, and when
        // another process (a sync, the MCP server) commits before it upgrades, SQLite answers
        // BUSY at once without waiting: taking the write lock at BEGIN makes it wait instead.
        self.conn
            .set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        Ok(())
    }

    /// Caps this connection's page cache at `kib` KiB. Every connection starts with 64 MiB,
    /// which a bulk sync uses; the many connections of an app that only read windows and
    /// searches would otherwise each grow to it and hold pages the OS caches anyway.
    pub fn limit_page_cache(&self, kib: u32) -> Result<()> {
        self.conn
            .pragma_update(None, "cache_size", -i64::from(kib))
            .context("set cache size")
    }

    /// Refreshes the planner statistics; cheap, call after a large sync or on close.
    pub fn optimize(&self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA optimize")
            .context("optimize")
    }

    /// Merges the full-text index into one segment, which makes searches a little
    /// faster. Takes seconds on a large cache: run it when idle, not after every batch.
    pub fn compact_index(&self) -> Result<()> {
        self.conn
            .execute_batch("INSERT INTO fts(fts) VALUES('optimize')")
            .context("compact the search index")
    }
}
