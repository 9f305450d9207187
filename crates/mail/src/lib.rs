//! The mail engine: everything a user does with mail, without any GUI. The desktop app,
//! the CLI and the MCP server all call this crate.
//!
//! The cache side: [`message`] parses raw mail; [`store::Store`] is the SQLite cache
//! (optionally SQLCipher-encrypted) that the sync fills in batches keyed by
//! (mailbox, uid); [`query`] is the search language, run by [`Store::search`];
//! threads, "waiting for my reply" and sender analytics are reads on the same cache.
//!
//! The remote side: [`account`] is the TOML configuration, [`credentials`] the OS
//! keyring, [`imap`] the verified IMAP connection, and [`sync`] fills the cache from it
//! (plans from the pure [`sync::plan_sync`], resumable batches, IDLE).

pub mod account;
pub mod analytics;
pub mod credentials;
mod digest;
pub mod error;
pub mod imap;
pub mod message;
pub mod query;
mod search;
mod segment;
pub mod store;
pub mod sync;
mod thread;
pub mod types;
pub mod unanswered;

pub use account::{Account, Config, FolderRoles, Security};
pub use analytics::{AutomationShare, SenderCount, SenderKey};
pub use credentials::{Keyring, Password};
pub use error::{Error, Result};
pub use imap::{Capabilities, Connection, ListedFolder, Selected};
pub use message::{parse_headers, parse_message, MessageMeta, ParsedMessage};
pub use query::{parse as parse_query, Query, QueryError, SearchOrder};
pub use store::{
    BodyUpdate, CacheKey, CacheStats, FlagUpdate, MailboxState, MailboxSummary, MessageDetail,
    MessageSummary, NewMessage, Page, Store, UpsertReport,
};
pub use sync::{
    plan_sync, sync_account, watch_account, FolderReport, SyncEvent, SyncOptions, SyncPlan,
    SyncReport,
};
pub use types::{
    Address, Flags, MailboxId, MailboxRole, MessageId, ModSeq, ThreadId, Uid, UidValidity,
};
pub use unanswered::Period;
