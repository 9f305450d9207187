//! Sync: bringing the cache of one account up to date with its IMAP server, header
//! first, bodies after. Watching INBOX with IDLE afterwards is [`crate::service`]'s.
//!
//! Invariants:
//! - Every mailbox the server lists is synced (INBOX first); roles come from SPECIAL-USE
//!   (RFC 6154) unless the account overrides them; mailboxes gone from the server are
//!   dropped from the cache.
//! - Decisions are made by the pure [`plan_sync`]; this module only executes plans.
//! - A transient failure (network, server restart) reconnects with [`Backoff`] and
//!   continues where the stored state says; progress made since the last failure resets
//!   the failure count. Cancellation ends the run with [`Error::Cancelled`] at the next
//!   network wait; what was stored stays stored.
//! - Progress is reported through a callback as [`SyncEvent`]s; no secret ever goes
//!   into one.

mod backoff;
mod folder;
mod pipeline;
mod plan;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

pub use backoff::{pause, Backoff, Retries};
pub use folder::{fetch_bodies_of, fetch_source_of};
pub use plan::{plan_sync, CachedMailbox, ExpungePlan, FlagPlan, SyncPlan};

use crate::account::Account;
use crate::credentials::Password;
use crate::error::{Error, Result};
use crate::imap::{Connection, IDLE_PERIOD};
use crate::store::Store;
use folder::fetch_missing_bodies;
pub(crate) use folder::{or_cancel, sync_folder};

/// How a sync runs.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// UIDs per header `UID FETCH`.
    pub batch_size: usize,
    /// Most header rows per cache transaction: batches fetched while the previous one was
    /// being stored are stored together (a transaction also ends after 2 s, and never
    /// waits for the network). What a crash can make the next sync fetch again; an error
    /// or a cancel commits what was stored first.
    pub commit_rows: usize,
    /// Stored header rows that the cache writer indexes for search while it waits for the
    /// network, before the folder's end (one chunk of the bulk build).
    pub index_rows: usize,
    /// Also fetch every missing body after the headers.
    pub bodies: bool,
    /// Messages per body `UID FETCH`.
    pub body_batch: usize,
    pub backoff: Backoff,
    /// Longest single IDLE of a watcher.
    pub idle_period: std::time::Duration,
    /// How often a watcher looks at INBOX on a server without IDLE.
    pub poll_period: std::time::Duration,
    /// Decide machine or person again for the senders of each folder's new mail (see
    /// `crate::senders`); off only to measure what it costs.
    pub classify_senders: bool,
}

impl Default for SyncOptions {
    fn default() -> SyncOptions {
        SyncOptions {
            batch_size: 2_000,
            commit_rows: 25_000,
            index_rows: 25_000,
            bodies: false,
            body_batch: 200,
            backoff: Backoff::default(),
            idle_period: IDLE_PERIOD,
            poll_period: std::time::Duration::from_secs(5 * 60),
            classify_senders: true,
        }
    }
}

/// What happened in one mailbox.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderReport {
    pub folder: String,
    /// The cache was cleared because UIDVALIDITY changed.
    pub cleared: bool,
    /// Header responses received (more than `inserted` when a batch was fetched again).
    pub fetched: usize,
    pub inserted: usize,
    pub flags_updated: usize,
    pub removed: usize,
    pub bodies: usize,
    pub batches: usize,
}

/// What a sync run did, over all its attempts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    pub folders: Vec<FolderReport>,
    /// Connections made (1 without failures).
    pub connections: u32,
    pub deleted_folders: Vec<String>,
}

impl SyncReport {
    fn merge(&mut self, r: FolderReport) {
        match self.folders.iter_mut().find(|f| f.folder == r.folder) {
            Some(f) => {
                f.cleared |= r.cleared;
                f.fetched += r.fetched;
                f.inserted += r.inserted;
                f.flags_updated += r.flags_updated;
                f.removed += r.removed;
                f.bodies += r.bodies;
                f.batches += r.batches;
            }
            None => self.folders.push(r),
        }
    }

    pub fn inserted(&self) -> usize {
        self.folders.iter().map(|f| f.inserted).sum()
    }

    pub fn fetched(&self) -> usize {
        self.folders.iter().map(|f| f.fetched).sum()
    }

    fn progress_marker(&self) -> usize {
        self.folders
            .iter()
            .map(|f| f.batches + f.bodies + f.flags_updated + f.removed)
            .sum()
    }
}

/// Progress of a sync, for a progress bar or UI events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SyncEvent {
    Connected {
        host: String,
    },
    FolderStarted {
        folder: String,
        index: usize,
        of: usize,
    },
    /// Header batches of a folder: `done` of `total` new messages stored.
    Headers {
        folder: String,
        done: usize,
        total: usize,
    },
    /// The full-text index built for the messages stored since it last caught up
    /// (after a folder's headers, or left by an interrupted sync): `done` of `total`.
    Indexing {
        folder: String,
        done: usize,
        total: usize,
    },
    FolderDone {
        report: FolderReport,
    },
    Bodies {
        folder: String,
        done: usize,
        total: usize,
    },
    /// A transient failure; the next attempt starts after `delay_ms`.
    Retrying {
        attempt: u32,
        delay_ms: u64,
        error: String,
    },
    /// Local changes journalled while offline were sent to the server before syncing.
    Replayed {
        applied: usize,
        dropped: usize,
    },
    /// Watching a folder with IDLE.
    Idle {
        folder: String,
    },
    /// The server reported a change while idling.
    Changed {
        folder: String,
    },
}

/// Renders an error with its causes on one line, for events and logs.
pub use mailcall_errors::chain as error_chain;

/// Decides the senders of what a folder sync stored, when it stored anything.
pub(crate) fn classify_after(
    store: &mut Store,
    account: &Account,
    opts: &SyncOptions,
    report: &FolderReport,
) -> Result<()> {
    if opts.classify_senders && report.inserted > 0 {
        let r = store.classify_senders(&account.my_addresses())?;
        tracing::debug!(folder = %report.folder, ?r, "senders classified");
    }
    Ok(())
}

/// One connection's worth of work: every folder, then bodies.
async fn sync_once(
    conn: &mut Connection,
    account: &Account,
    store: &mut Store,
    opts: &SyncOptions,
    report: &mut SyncReport,
    progress: &mut (dyn FnMut(SyncEvent) + Send),
    cancel: &CancellationToken,
) -> Result<()> {
    let listed = or_cancel(cancel, conn.list_folders()).await?;
    let pairs: Vec<_> = listed
        .iter()
        .filter(|f| f.selectable)
        .map(|f| (f.name.clone(), f.role))
        .collect();
    let mut folders = account.folders.assign(&pairs);
    // INBOX first: it is what the user looks at.
    folders.sort_by_key(|(name, _)| !name.eq_ignore_ascii_case("INBOX"));
    for cached in store.mailboxes()? {
        if !listed.iter().any(|f| f.name == cached.name) {
            store.delete_mailbox(cached.id)?;
            report.deleted_folders.push(cached.name);
        }
    }
    let of = folders.len();
    // Senders are decided twice: once by the writer after the first stored batch of
    // INBOX (on a new account its newest mail, so its frequent senders' older rows are
    // stored with their class), and once after the last folder. Deciding after every
    // folder decided the same senders again and again, and after INBOX alone rewrote
    // the class of tens of thousands of its rows. The last call also picks up mail a
    // failed earlier pass stored but did not decide (it looks only past its own
    // progress mark, so it costs nothing when all is decided).
    let me = account.my_addresses();
    for (index, (name, role)) in folders.iter().enumerate() {
        progress(SyncEvent::FolderStarted {
            folder: name.clone(),
            index,
            of,
        });
        let first = (index == 0 && opts.classify_senders).then_some(me.as_slice());
        let r = sync_folder(conn, store, (name, *role), opts, first, progress, cancel).await?;
        if index + 1 == of && opts.classify_senders {
            let r = store.classify_senders(&me)?;
            tracing::debug!(?r, "senders classified");
        }
        progress(SyncEvent::FolderDone { report: r.clone() });
        report.merge(r);
    }
    if opts.bodies {
        for (name, _) in &folders {
            let n = fetch_missing_bodies(conn, store, name, opts, progress, cancel).await?;
            report.merge(FolderReport {
                folder: name.clone(),
                bodies: n,
                ..FolderReport::default()
            });
        }
    }
    Ok(())
}

/// Syncs every folder of `account` into `store`, reconnecting on transient failures.
pub async fn sync_account(
    account: &Account,
    password: &Password,
    store: &mut Store,
    opts: &SyncOptions,
    progress: &mut (dyn FnMut(SyncEvent) + Send),
    cancel: &CancellationToken,
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    let mut retries = opts.backoff.start();
    loop {
        let before = report.progress_marker();
        let attempt = async {
            let mut conn = or_cancel(cancel, Connection::open(account, password)).await?;
            report.connections += 1;
            progress(SyncEvent::Connected {
                host: conn.host().to_owned(),
            });
            // Pending local changes go first: a sync before them would bring moved mail
            // back into its old folder until the next replay.
            if !store.pending_changes()?.is_empty() {
                let replayed = crate::journal::replay(&mut conn, store, cancel).await?;
                progress(SyncEvent::Replayed {
                    applied: replayed.applied,
                    dropped: replayed.dropped,
                });
            }
            sync_once(
                &mut conn,
                account,
                store,
                opts,
                &mut report,
                progress,
                cancel,
            )
            .await?;
            conn.logout().await;
            Ok::<(), Error>(())
        }
        .await;
        match attempt {
            Ok(()) => {
                store.optimize()?;
                return Ok(report);
            }
            Err(e) => {
                if report.progress_marker() > before {
                    retries.reset();
                }
                let Some(delay) = retries.next_delay(&e) else {
                    return Err(e);
                };
                tracing::info!(error = %error_chain(&e), ?delay, "sync interrupted; retrying");
                progress(SyncEvent::Retrying {
                    attempt: retries.failures(),
                    delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    error: error_chain(&e),
                });
                pause(delay, cancel).await?;
            }
        }
    }
}
