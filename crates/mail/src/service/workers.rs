//! The three tasks of a [`super::MailService`]: queue, reader and watcher.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

use super::{BodyRequest, Job, ReaderRequest, ServiceEvent, Shared, Task};
use crate::error::{Error, Result};
use crate::imap::{Connection, IdleOutcome};
use crate::journal::replay;
use crate::sort::apply_sort_plan;
use crate::store::{MailboxState, Store};
use crate::sync::{
    error_chain, fetch_bodies_of, fetch_source_of, or_cancel, pause, sync_account, sync_folder,
    Retries, SyncEvent,
};
use crate::types::{MailboxRole, MessageId};

const INBOX: &str = "INBOX";

/// The connection kept in `slot`, opened first if there is none.
async fn connect<'a>(
    slot: &'a mut Option<Connection>,
    shared: &Shared,
) -> Result<&'a mut Connection> {
    let conn = match slot.take() {
        Some(conn) => conn,
        None => {
            let conn = or_cancel(
                &shared.cancel,
                Connection::open(&shared.account, &shared.password),
            )
            .await?;
            shared.emit(ServiceEvent::Sync(SyncEvent::Connected {
                host: conn.host().to_owned(),
            }));
            conn
        }
    };
    Ok(slot.insert(conn))
}

/// The delay before trying again after `error`: the backoff's, and once its attempts are
/// used up, its longest delay for as long as the failure is transient. `None` for a
/// failure that trying again would not mend.
fn keep_trying(retries: &mut Retries, error: &Error, longest: Duration) -> Option<Duration> {
    retries
        .next_delay(error)
        .or_else(|| error.is_transient().then_some(longest))
}

/// Reports `error` and sleeps before the next attempt; false when the work should end
/// (cancelled, or not worth trying again).
async fn wait_to_retry(shared: &Shared, retries: &mut Retries, task: Task, error: &Error) -> bool {
    if matches!(error, Error::Cancelled) {
        return false;
    }
    let Some(delay) = keep_trying(retries, error, shared.opts.backoff.max) else {
        shared.emit(ServiceEvent::Failed {
            task,
            error: error_chain(error),
        });
        return false;
    };
    shared.emit(ServiceEvent::Sync(SyncEvent::Retrying {
        attempt: retries.failures(),
        delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        error: error_chain(error),
    }));
    pause(delay, &shared.cancel).await.is_ok()
}

/// The queue: a full sync first, then jobs and INBOX changes in turn.
pub(super) async fn run_queue(shared: Shared, store: Store, mut jobs: UnboundedReceiver<Job>) {
    let inbox_role = shared
        .account
        .folders
        .assign(&[(INBOX.to_owned(), None)])
        .pop()
        .and_then(|(_, role)| role);
    let mut queue = Queue {
        shared,
        store,
        conn: None,
        inbox_role,
    };
    if let Err(e) = queue.full_sync().await {
        if !matches!(e, Error::Cancelled) {
            queue.shared.emit(ServiceEvent::Failed {
                task: Task::Sync,
                error: error_chain(&e),
            });
        }
    }
    let cancel = queue.shared.cancel.clone();
    let changed = queue.shared.inbox_changed.clone();
    loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            job = jobs.recv() => match job {
                Some(job) => queue.run(job).await,
                None => break,
            },
            () = changed.notified() => queue.sync_inbox().await,
        }
    }
    if let Some(conn) = queue.conn.take() {
        conn.logout().await;
    }
}

struct Queue {
    shared: Shared,
    store: Store,
    /// Kept between jobs; dropped after any failure, since its state is then unknown.
    conn: Option<Connection>,
    inbox_role: Option<MailboxRole>,
}

impl Queue {
    async fn run(&mut self, job: Job) {
        match job {
            Job::Sync(reply) => {
                let _ = reply.send(self.full_sync().await);
            }
            Job::Replay(reply) => {
                let cancel = self.shared.cancel.clone();
                let result = async {
                    let conn = connect(&mut self.conn, &self.shared).await?;
                    replay(conn, &mut self.store, &cancel).await
                }
                .await;
                let _ = reply.send(self.keep_if_ok(result));
            }
            Job::ApplySort {
                plan_id,
                opts,
                cancel,
                reply,
            } => {
                // Stopped by the caller's token or by the service's, whichever comes first.
                let token = self.shared.cancel.child_token();
                let link = tokio::spawn(cancel_with(cancel, token.clone()));
                let mut progress = self.shared.forward(ServiceEvent::Sort);
                let result = async {
                    let conn = connect(&mut self.conn, &self.shared).await?;
                    apply_sort_plan(
                        conn,
                        &mut self.store,
                        &plan_id,
                        &opts,
                        &mut progress,
                        &token,
                    )
                    .await
                }
                .await;
                link.abort();
                let _ = reply.send(self.keep_if_ok(result));
            }
        }
    }

    /// Every folder, journalled changes first, with the sync's own reconnects.
    async fn full_sync(&mut self) -> Result<crate::sync::SyncReport> {
        let mut progress = self.shared.forward(ServiceEvent::Sync);
        sync_account(
            &self.shared.account,
            &self.shared.password,
            &mut self.store,
            &self.shared.opts,
            &mut progress,
            &self.shared.cancel,
        )
        .await
    }

    /// INBOX after the watcher saw a change; tried again until it succeeds.
    async fn sync_inbox(&mut self) {
        let mut progress = self.shared.forward(ServiceEvent::Sync);
        let mut retries = self.shared.opts.backoff.start();
        loop {
            let result = async {
                let conn = connect(&mut self.conn, &self.shared).await?;
                sync_folder(
                    conn,
                    &mut self.store,
                    (INBOX, self.inbox_role),
                    &self.shared.opts,
                    None,
                    &mut progress,
                    &self.shared.cancel,
                )
                .await
            }
            .await;
            let result = result.and_then(|report| {
                crate::sync::classify_after(
                    &mut self.store,
                    &self.shared.account,
                    &self.shared.opts,
                    &report,
                )?;
                Ok(report)
            });
            match self.keep_if_ok(result) {
                Ok(report) => {
                    self.shared
                        .emit(ServiceEvent::Sync(SyncEvent::FolderDone { report }));
                    return;
                }
                Err(e) => {
                    if !wait_to_retry(&self.shared, &mut retries, Task::SyncInbox, &e).await {
                        return;
                    }
                }
            }
        }
    }

    /// Drops the kept connection after a failure.
    fn keep_if_ok<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            self.conn = None;
        }
        result
    }
}

async fn cancel_with(from: CancellationToken, to: CancellationToken) {
    from.cancelled().await;
    to.cancel();
}

/// The reader: bodies and sources the user waits for, on a connection of its own.
pub(super) async fn run_reader(
    shared: Shared,
    mut store: Store,
    mut requests: UnboundedReceiver<ReaderRequest>,
) {
    let mut conn = None;
    loop {
        let request = tokio::select! {
            biased;
            () = shared.cancel.cancelled() => break,
            r = requests.recv() => match r {
                Some(r) => r,
                None => break,
            },
        };
        // The kept connection may have been closed by the server while unused (servers
        // log out idle clients after 30 minutes): one more try on a new one.
        match request {
            ReaderRequest::Bodies(request) => {
                let mut result = fetch(&shared, &mut conn, &mut store, &request).await;
                if retry_on_new(&mut conn, &result) {
                    result = fetch(&shared, &mut conn, &mut store, &request).await;
                }
                drop_if_failed(&mut conn, &result);
                let _ = request.reply.send(result);
            }
            ReaderRequest::Source { id, reply } => {
                // Opened before: the cache has it, online or not.
                let result = match store.raw_message(id) {
                    Ok(Some(raw)) => Ok(raw),
                    Ok(None) => {
                        let mut result = source(&shared, &mut conn, &mut store, id).await;
                        if retry_on_new(&mut conn, &result) {
                            result = source(&shared, &mut conn, &mut store, id).await;
                        }
                        drop_if_failed(&mut conn, &result);
                        result
                    }
                    Err(e) => Err(e),
                };
                let _ = reply.send(result);
            }
        }
    }
    if let Some(conn) = conn {
        conn.logout().await;
    }
}

/// True (and the kept connection dropped) when `result` failed in a way a new
/// connection may not.
fn retry_on_new<T>(conn: &mut Option<Connection>, result: &Result<T>) -> bool {
    let transient = matches!(result, Err(e) if e.is_transient());
    if transient {
        *conn = None;
    }
    transient
}

/// Drops the kept connection after a failure, since its state is then unknown.
fn drop_if_failed<T>(conn: &mut Option<Connection>, result: &Result<T>) {
    if result.is_err() {
        *conn = None;
    }
}

async fn fetch(
    shared: &Shared,
    slot: &mut Option<Connection>,
    store: &mut Store,
    request: &BodyRequest,
) -> Result<usize> {
    let conn = connect(slot, shared).await?;
    or_cancel(
        &shared.cancel,
        fetch_bodies_of(conn, store, &request.folder, &request.uids),
    )
    .await
}

async fn source(
    shared: &Shared,
    slot: &mut Option<Connection>,
    store: &mut Store,
    id: MessageId,
) -> Result<Vec<u8>> {
    let conn = connect(slot, shared).await?;
    or_cancel(&shared.cancel, fetch_source_of(conn, store, id)).await
}

/// The watcher: IDLE on INBOX, waking the queue on each change, for as long as the
/// service runs.
pub(super) async fn run_watcher(shared: Shared) {
    let mut retries = shared.opts.backoff.start();
    loop {
        let Err(e) = watch(&shared, &mut retries).await else {
            return;
        };
        if !wait_to_retry(&shared, &mut retries, Task::Watch, &e).await {
            return;
        }
    }
}

/// One connection's worth of watching; `Ok` once cancelled.
async fn watch(shared: &Shared, retries: &mut Retries) -> Result<()> {
    let mut slot = None;
    let conn = connect(&mut slot, shared).await?;
    if !conn.capabilities().idle {
        // No IDLE: ask the queue to look at INBOX every poll period instead.
        if let Some(conn) = slot.take() {
            conn.logout().await;
        }
        while pause(shared.opts.poll_period, &shared.cancel).await.is_ok() {
            shared.inbox_changed.notify_one();
        }
        return Ok(());
    }
    or_cancel(&shared.cancel, conn.select(INBOX, &MailboxState::default())).await?;
    // IDLE reports only what arrives from now on: mail that came after the last INBOX
    // sync and before this SELECT (at start, after a reconnect) would wait for the next
    // change. One look at INBOX now costs a status round trip when nothing came.
    shared.inbox_changed.notify_one();
    loop {
        retries.reset();
        shared.emit(ServiceEvent::Sync(SyncEvent::Idle {
            folder: INBOX.to_owned(),
        }));
        match conn.idle(shared.opts.idle_period, &shared.cancel).await? {
            IdleOutcome::Cancelled => break,
            IdleOutcome::Timeout => {}
            IdleOutcome::Changed => {
                shared.emit(ServiceEvent::Sync(SyncEvent::Changed {
                    folder: INBOX.to_owned(),
                }));
                shared.inbox_changed.notify_one();
            }
        }
    }
    if let Some(conn) = slot.take() {
        conn.logout().await;
    }
    Ok(())
}
