//! The mail engine: everything a user does with mail, without any GUI. The desktop app,
//! the CLI and the MCP server all call this crate.
//!
//! The cache side: [`message`] parses raw mail; [`store::Store`] is the SQLite cache
//! (optionally SQLCipher-encrypted) that the sync fills in batches keyed by
//! (mailbox, uid); [`query`] is the search language, run by [`Store::search`];
//! threads, "waiting for my reply" and sender analytics are reads on the same cache;
//! [`senders`] decides which senders are machines and which are people.
//!
//! The remote side: [`account`] is the TOML configuration, [`credentials`] the OS
//! keyring, [`imap`] the verified IMAP connection (mailbox names decoded from modified
//! UTF-7 at its edge, see [`mailbox_name`]), and [`sync`] fills the cache from it
//! (plans from the pure [`sync::plan_sync`], resumable batches, IDLE).
//!
//! Changes: [`sort`] plans moves by rules over the cache and applies stored plans on the
//! server; [`journal`] records every local change (move, flag, draft) with the cache
//! update and replays it when the server is reachable; [`drafts`] composes replies.
//!
//! Reading: [`reader`] turns a raw message into what the reading pane shows (sanitized
//! HTML for a script-less frame, remote content blocked or loaded by the core).
//!
//! Running: [`service::MailService`] keeps an account live for the app (IDLE on INBOX,
//! one queue for syncs and moves, one connection for bodies the user is waiting for).

pub mod account;
pub mod analytics;
pub mod certificate;
pub mod credentials;
mod digest;
pub mod drafts;
pub mod error;
pub mod folders;
pub mod imap;
pub mod interrupt;
pub mod journal;
pub mod mailbox_name;
pub mod message;
pub mod query;
pub mod reader;
mod search;
mod segment;
pub mod senders;
pub mod service;
pub mod sort;
pub mod store;
pub mod sync;
mod thread;
pub mod types;
pub mod unanswered;

pub use account::{Account, Config, FolderRoles, Security};
pub use analytics::{AutomationShare, MonthShare, SenderCount, SenderKey};
pub use certificate::{
    CertReason, CertificateCheck, CertificateDetails, CertificateProblem, Fingerprint,
};
pub use credentials::{Keyring, Password};
pub use drafts::{compose_reply, reply_headers, reply_subject, Author, ReplyHeaders};
pub use error::{Error, Result};
pub use folders::{create_folder, delete_folder, rename_folder};
pub use imap::{check_login, probe_certificate, Capabilities, Connection, ListedFolder, Selected};
pub use journal::{
    replay, ChangeKind, EntryState, JournalEntry, ReplayNote, ReplayOutcome, ReplayReport,
};
pub use mailbox_name::InvalidName;
pub use message::{full_text, parse_headers, parse_message, MessageMeta, ParsedMessage};
pub use query::{parse as parse_query, Query, QueryError, SearchOrder};
pub use senders::{
    classify_sender, ClassifyReport, Evidence, Mark, Reason, ReasonCode, SenderClass, SenderKind,
    SenderRecord,
};
pub use service::{MailService, ServiceEvent, Task};
pub use sort::{
    apply_sort_plan, plan_sort, ApplyOptions, ApplyReport, PlanOrigin, PlanState, PlanSummary,
    PlannedMove, Rule, RuleSet, SortEvent, SortPlan, SortProgress, UidSet,
};
pub use store::{
    BodyUpdate, CacheAccess, CacheKey, CacheStats, FlagUpdate, MailboxState, MailboxSummary,
    MessageDetail, MessageSummary, NewMessage, Page, Store, UpsertReport,
};
pub use sync::{
    plan_sync, sync_account, FolderReport, SyncEvent, SyncOptions, SyncPlan, SyncReport,
};
pub use thread::{ThreadHead, ThreadTally};
pub use types::{
    Address, Flags, MailboxId, MailboxRole, MessageId, ModSeq, ThreadId, Uid, UidValidity,
};
pub use unanswered::Period;
