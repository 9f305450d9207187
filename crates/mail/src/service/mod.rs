//! One running account: what the app keeps open while it shows mail. Three connections
//! to the server:
//! - the *watcher* IDLEs on INBOX and only wakes the queue when the server announces a
//!   change (or, on a server without IDLE, every `SyncOptions::poll_period`);
//! - the *queue* (with its own cache connection) runs the work that writes the server's state into the cache, one job at
//!   a time in the order asked: full syncs, the INBOX syncs the watcher asks for, journal
//!   replays and sort applies;
//! - the *reader* (with its own cache connection) fetches bodies the user is waiting for (a message opened), so opening
//!   mail never waits behind a 200,000-message sort.
//!
//! Invariants:
//! - Two jobs never write the same folder's sync state at once: every header sync and
//!   move goes through the queue. Changes announced while an INBOX sync is already due
//!   are folded into it.
//! - A full sync is queued when the service starts, and journalled local changes go to the
//!   server before it (as in [`crate::sync_account`]).
//! - The watcher and the queue's INBOX syncs reconnect with backoff for as long as the
//!   service runs (a laptop may be offline for hours); a wrong password or a bad
//!   certificate stops them and is reported, since trying again would not help. Jobs a
//!   caller asked for report their own error to that caller.
//! - [`MailService::stop`] cancels everything at its next network wait and returns once
//!   every task has ended; what was stored stays stored.

mod workers;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::account::Account;
use crate::credentials::Password;
use crate::error::{Error, Result};
use crate::journal::ReplayReport;
use crate::sort::{ApplyOptions, ApplyReport, SortEvent};
use crate::store::CacheAccess;
use crate::sync::{SyncEvent, SyncOptions, SyncReport};
use crate::types::{MessageId, Uid};

/// What the service reports while it works, for the app's progress and status line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", content = "event", rename_all = "snake_case")]
pub enum ServiceEvent {
    /// From a sync, the watcher or the reader.
    Sync(SyncEvent),
    /// From a sort being applied.
    Sort(SortEvent),
    /// Background work failed. The watcher and INBOX syncs only give up on errors that
    /// trying again would not mend (e.g. the password was changed on the server).
    Failed { task: Task, error: String },
}

/// The background work of a service, as named in [`ServiceEvent::Failed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// The full sync the service starts with.
    Sync,
    /// An INBOX sync the watcher asked for.
    SyncInbox,
    /// IDLE on INBOX (or polling it).
    Watch,
}

/// A job for the queue, with where its answer goes.
enum Job {
    Sync(oneshot::Sender<Result<SyncReport>>),
    Replay(oneshot::Sender<Result<ReplayReport>>),
    ApplySort {
        plan_id: String,
        opts: ApplyOptions,
        cancel: CancellationToken,
        reply: oneshot::Sender<Result<ApplyReport>>,
    },
}

/// Bodies the user is waiting for.
struct BodyRequest {
    folder: String,
    uids: Vec<Uid>,
    reply: oneshot::Sender<Result<usize>>,
}

/// What the reader connection is asked for.
enum ReaderRequest {
    Bodies(BodyRequest),
    /// The whole source of one message (the reading pane opening it).
    Source {
        id: MessageId,
        reply: oneshot::Sender<Result<Vec<u8>>>,
    },
}

/// What every task of one service shares.
#[derive(Clone)]
struct Shared {
    account: Arc<Account>,
    password: Password,
    opts: SyncOptions,
    events: broadcast::Sender<ServiceEvent>,
    inbox_changed: Arc<Notify>,
    cancel: CancellationToken,
}

impl Shared {
    fn emit(&self, event: ServiceEvent) {
        // Nobody listening is fine: events are for display only.
        let _ = self.events.send(event);
    }

    /// A progress callback for the engine's functions that sends each event, wrapped.
    fn forward<E>(&self, wrap: fn(E) -> ServiceEvent) -> impl FnMut(E) + Send {
        let events = self.events.clone();
        move |e| {
            let _ = events.send(wrap(e));
        }
    }
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Task::Sync => "sync",
            Task::SyncInbox => "INBOX sync",
            Task::Watch => "watching INBOX",
        })
    }
}

/// A running account; see the module documentation.
pub struct MailService {
    queue: mpsc::UnboundedSender<Job>,
    reader: mpsc::UnboundedSender<ReaderRequest>,
    shared: Shared,
    tasks: Vec<JoinHandle<()>>,
}

impl MailService {
    /// Opens two connections to the cache (so a missing or wrong key fails here) and
    /// starts the watcher, the queue (with a full sync) and the reader. Must be called
    /// inside a tokio runtime.
    pub fn start(
        account: Account,
        password: Password,
        cache: &CacheAccess,
        opts: SyncOptions,
    ) -> Result<MailService> {
        let (queue_store, reader_store) = (cache.open()?, cache.open()?);
        // The reader fetches one body at a time; the queue keeps the large cache a sync uses.
        reader_store.limit_page_cache(8 * 1024)?;
        let (events, _) = broadcast::channel(1024);
        let shared = Shared {
            account: Arc::new(account),
            password,
            opts,
            events,
            inbox_changed: Arc::new(Notify::new()),
            cancel: CancellationToken::new(),
        };
        let (queue, jobs) = mpsc::unbounded_channel();
        let (reader, requests) = mpsc::unbounded_channel();
        let tasks = vec![
            tokio::spawn(workers::run_queue(shared.clone(), queue_store, jobs)),
            tokio::spawn(workers::run_reader(shared.clone(), reader_store, requests)),
            tokio::spawn(workers::run_watcher(shared.clone())),
        ];
        Ok(MailService {
            queue,
            reader,
            shared,
            tasks,
        })
    }

    /// Events from now on. A receiver that falls more than 1,024 events behind misses
    /// the oldest ones (and is told so by `broadcast`).
    pub fn events(&self) -> broadcast::Receiver<ServiceEvent> {
        self.shared.events.subscribe()
    }

    /// Queues a full sync (every folder; journalled changes first) and waits for it.
    pub async fn sync(&self) -> Result<SyncReport> {
        self.ask(Job::Sync).await
    }

    /// Queues a replay of the journalled local changes and waits for it.
    pub async fn replay(&self) -> Result<ReplayReport> {
        self.ask(Job::Replay).await
    }

    /// Queues applying stored sort plan `plan_id` and waits for it. `cancel` stops it
    /// between chunks (see [`crate::apply_sort_plan`]); stopping the service does too.
    pub async fn apply_sort(
        &self,
        plan_id: &str,
        opts: ApplyOptions,
        cancel: CancellationToken,
    ) -> Result<ApplyReport> {
        let plan_id = plan_id.to_owned();
        self.ask(|reply| Job::ApplySort {
            plan_id,
            opts,
            cancel,
            reply,
        })
        .await
    }

    /// Fetches the bodies of `uids` in `folder` into the cache now, on the reader's
    /// connection, whatever the queue is doing. Returns how many were stored.
    pub async fn fetch_bodies(&self, folder: &str, uids: &[Uid]) -> Result<usize> {
        let (reply, answer) = oneshot::channel();
        self.reader
            .send(ReaderRequest::Bodies(BodyRequest {
                folder: folder.to_owned(),
                uids: uids.to_vec(),
                reply,
            }))
            .map_err(|_| Error::Cancelled)?;
        answer.await.map_err(|_| Error::Cancelled)?
    }

    /// The whole raw source of cached message `id`, for the reading pane (see
    /// [`crate::reader::render`]). Served from the cache when the message was opened
    /// before, so it reads offline; otherwise fetched on the reader's connection with
    /// `BODY.PEEK[]` (the message is *not* marked read on the server; marking it read is
    /// a separate journalled change) and kept in the cache with its body text.
    ///
    /// Errors: [`Error::NoMessage`] when the cache has no such message,
    /// [`Error::MessageGone`] when the server no longer has it, and the connection's
    /// errors when it is neither cached nor reachable.
    pub async fn message_source(&self, id: MessageId) -> Result<Vec<u8>> {
        let (reply, answer) = oneshot::channel();
        self.reader
            .send(ReaderRequest::Source { id, reply })
            .map_err(|_| Error::Cancelled)?;
        answer.await.map_err(|_| Error::Cancelled)?
    }

    /// Cancels every task and waits until all have ended.
    pub async fn stop(self) {
        self.shared.cancel.cancel();
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::warn!(error = %e, "a mail service task ended abnormally");
            }
        }
    }

    async fn ask<T>(&self, job: impl FnOnce(oneshot::Sender<Result<T>>) -> Job) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        self.queue.send(job(reply)).map_err(|_| Error::Cancelled)?;
        answer.await.map_err(|_| Error::Cancelled)?
    }
}
