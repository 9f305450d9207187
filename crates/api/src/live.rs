//! One account while the app runs: its [`MailService`], its cache connections, its
//! status, and two tasks of its own: one turns service events into [`AppEvent`]s and
//! status, the other sends journalled changes to the server whenever there are some
//! and the server may be back (after a connect or IDLE, after a local change, and every
//! `retry_every` while changes wait).
//!
//! Invariants: the account's status changes only through [`Live::set_status`], which
//! announces every change; stopping cancels both tasks before the service stops, so no
//! event is sent for an account that is gone.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailcall_mail::sync::error_chain;
use mailcall_mail::{
    Account, ApplyOptions, CacheAccess, Keyring, MailService, ServiceEvent, SortPlan, SyncEvent,
    SyncOptions,
};
use tokio::sync::{broadcast, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::error::{ApiError, ApiResult};
use crate::orders::Orders;
use crate::pool::Pool;
use crate::sorting::Applying;
use crate::types::{count, AccountStatus, AppEvent, SyncPhase};

/// The last [`AccountStatus::revision`] given out.
static STATUS_REVISION: AtomicU32 = AtomicU32::new(0);

/// How an account runs; the same for every account of an [`crate::Api`].
#[derive(Clone, Debug)]
pub struct LiveOptions {
    pub sync: SyncOptions,
    /// Cache connections for reads (several reads run at once).
    pub readers: usize,
    /// How often journalled changes are tried again while the server is away.
    pub retry_every: Duration,
    /// Most messages per server command when a sort plan is applied.
    pub sort_chunk: usize,
}

impl Default for LiveOptions {
    fn default() -> LiveOptions {
        LiveOptions {
            sync: SyncOptions::default(),
            readers: 3,
            retry_every: Duration::from_secs(30),
            sort_chunk: ApplyOptions::default().chunk_size,
        }
    }
}

/// A step that reverts one change of the last action.
#[derive(Clone, Debug)]
pub(crate) enum UndoStep {
    Move {
        id: mailcall_mail::MessageId,
        back_to: String,
    },
    Flags {
        id: mailcall_mail::MessageId,
        add: Vec<String>,
        remove: Vec<String>,
    },
}

pub(crate) struct Live {
    pub account: Account,
    pub reads: Pool,
    pub writer: Pool,
    service: Mutex<Option<Arc<MailService>>>,
    status: Mutex<AccountStatus>,
    pub undo: Mutex<Option<Vec<UndoStep>>>,
    /// The folders as conversation lists, kept between pages.
    pub orders: Orders,
    replay_wanted: Notify,
    cancel: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    events: broadcast::Sender<AppEvent>,
    /// The folder index and count of the full sync in progress.
    full_sync: Mutex<Option<(usize, usize)>>,
    /// The last sort dry run, for paging through all of it.
    pub preview: Mutex<Option<SortPlan>>,
    /// The sort plan being applied.
    applying: Mutex<Option<Applying>>,
}

impl Live {
    /// Opens the cache and starts the service with the password from `keyring`. A
    /// missing password or a cache that does not open leaves the account without a
    /// service and says why in its status; only the cache access itself can fail here.
    pub async fn start(
        account: Account,
        keyring: &Keyring,
        opts: &LiveOptions,
        events: broadcast::Sender<AppEvent>,
    ) -> ApiResult<Arc<Live>> {
        let access = Arc::new(CacheAccess::of(&account, keyring, true).await?);
        let live = Arc::new(Live {
            reads: Pool::new(access.clone(), opts.readers),
            writer: Pool::new(access.clone(), 1),
            service: Mutex::new(None),
            status: Mutex::new(AccountStatus {
                account: account.name.clone(),
                ..AccountStatus::default()
            }),
            undo: Mutex::new(None),
            orders: Orders::default(),
            replay_wanted: Notify::new(),
            cancel: CancellationToken::new(),
            tasks: Mutex::new(Vec::new()),
            events,
            full_sync: Mutex::new(None),
            preview: Mutex::new(None),
            applying: Mutex::new(None),
            account,
        });
        let pending = live.pending().await.unwrap_or(0);
        live.set_status(|s| s.pending = pending);
        let started = match keyring.password(&live.account.name).await {
            Ok(password) => {
                let (account, sync) = (live.account.clone(), opts.sync.clone());
                let access = access.clone();
                // Opening the service's two cache connections may index a large cache.
                // Subscribed at once: the first events follow a network round trip.
                tokio::task::spawn_blocking(move || {
                    MailService::start(account, password, &access, sync).map(|service| {
                        let events = service.events();
                        (service, events)
                    })
                })
                .await
                .map_err(|e| ApiError::internal(format!("starting the mail service failed: {e}")))
                .and_then(|r| r.map_err(ApiError::from))
            }
            Err(e) => Err(ApiError::from(e)),
        };
        match started {
            Ok((service, rx)) => {
                if let Ok(mut slot) = live.service.lock() {
                    *slot = Some(Arc::new(service));
                }
                live.set_status(|s| {
                    s.syncing = true;
                    s.progress = Some("Connecting".to_owned());
                });
                let pump = tokio::spawn(pump(live.clone(), rx));
                let replayer = tokio::spawn(replay_loop(live.clone(), opts.retry_every));
                let resumer = tokio::spawn(crate::sorting::resume(live.clone(), opts.sort_chunk));
                if let Ok(mut tasks) = live.tasks.lock() {
                    tasks.extend([pump, replayer, resumer]);
                }
            }
            Err(e) => live.set_status(|s| s.error = Some(e)),
        }
        Ok(live)
    }

    /// The sort plan being applied, if any.
    pub(crate) fn applying(&self) -> Option<Applying> {
        self.applying.lock().ok().and_then(|a| a.clone())
    }

    pub(crate) fn set_applying(&self, a: Option<Applying>) {
        if let Ok(mut slot) = self.applying.lock() {
            *slot = a;
        }
    }

    /// Cancelled when the account stops.
    pub(crate) fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Keeps a task of the account, awaited when it stops.
    pub(crate) fn keep_task(&self, task: JoinHandle<()>) {
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.retain(|t| !t.is_finished());
            tasks.push(task);
        }
    }

    /// The running service, or why there is none.
    pub fn service(&self) -> ApiResult<Arc<MailService>> {
        let service = self.service.lock().ok().and_then(|s| s.clone());
        service.ok_or_else(|| {
            self.status().error.unwrap_or_else(|| ApiError::Offline {
                message: format!("Account {} is not running.", self.account.name),
            })
        })
    }

    pub fn status(&self) -> AccountStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Changes the status and announces it when it changed.
    pub fn set_status(&self, change: impl FnOnce(&mut AccountStatus)) {
        let Ok(mut status) = self.status.lock() else {
            return;
        };
        let before = status.clone();
        change(&mut status);
        // Sent while the lock is held: two tasks changing the status at once must send
        // their snapshots in the order they made them, or the page keeps the older one
        // (a pending count of 1 after the replay had set it to 0).
        if *status != before {
            status.revision = STATUS_REVISION.fetch_add(1, Ordering::Relaxed) + 1;
            self.emit(AppEvent::Status {
                status: status.clone(),
            });
        }
    }

    pub fn emit(&self, event: AppEvent) {
        // Nobody listening is fine: the page asks again when it comes back.
        let _ = self.events.send(event);
    }

    /// Local changes waiting for the server.
    pub async fn pending(&self) -> ApiResult<u32> {
        self.reads
            .run(|s| s.pending_changes().map(|p| count(p.len())))
            .await
    }

    /// Reads the pending count again and asks for a replay when there is something to send.
    pub async fn changed_locally(&self) {
        if let Ok(pending) = self.pending().await {
            self.set_status(|s| s.pending = pending);
        }
        self.replay_wanted.notify_one();
    }

    /// Cancels the tasks, then stops the service and waits for it.
    pub async fn stop(&self) {
        self.cancel.cancel();
        let tasks = self
            .tasks
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        for task in tasks {
            let _ = task.await;
        }
        let service = self.service.lock().ok().and_then(|mut s| s.take());
        let Some(mut service) = service else { return };
        // Commands still running hold the service for a moment.
        for _ in 0..100 {
            match Arc::try_unwrap(service) {
                Ok(owned) => return owned.stop().await,
                Err(shared) => {
                    service = shared;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        tracing::warn!(account = %self.account.name, "the mail service was still in use when stopped");
    }

    fn on_service_event(&self, event: ServiceEvent) {
        let account = self.account.name.clone();
        match event {
            ServiceEvent::Sync(e) => self.on_sync_event(e),
            ServiceEvent::Sort(e) => crate::sorting::on_sort_event(self, e),
            ServiceEvent::Failed { task, error } => {
                let error = failure(&error);
                self.set_status(|s| {
                    s.syncing = false;
                    s.progress = None;
                    s.online = !matches!(error, ApiError::Offline { .. });
                    s.error = Some(error.clone());
                });
                self.emit(AppEvent::Failed {
                    account,
                    task: task.to_string(),
                    error,
                });
            }
        }
    }

    fn on_sync_event(&self, e: SyncEvent) {
        let account = self.account.name.clone();
        let progress = |folder: String, phase, done: usize, total: usize| AppEvent::SyncProgress {
            account: account.clone(),
            folder,
            phase,
            done: count(done),
            total: count(total),
        };
        match e {
            SyncEvent::Connected { .. } => {
                self.set_status(|s| {
                    s.online = true;
                    s.error = None;
                });
                self.replay_wanted.notify_one();
            }
            SyncEvent::FolderStarted { folder, index, of } => {
                if let Ok(mut f) = self.full_sync.lock() {
                    *f = Some((index, of));
                }
                self.set_status(|s| {
                    s.syncing = true;
                    s.progress = Some(format!("Syncing {folder} ({} of {of})", index + 1));
                });
            }
            SyncEvent::Headers {
                folder,
                done,
                total,
            } => {
                // A batch of headers is stored: kept orders of the folder lack it, and a
                // list filling in while the sync runs must see it.
                if done > 0 {
                    self.orders.forget();
                }
                self.emit(progress(folder, SyncPhase::Headers, done, total));
            }
            SyncEvent::Indexing {
                folder,
                done,
                total,
            } => self.emit(progress(folder, SyncPhase::Indexing, done, total)),
            SyncEvent::Bodies {
                folder,
                done,
                total,
            } => self.emit(progress(folder, SyncPhase::Bodies, done, total)),
            SyncEvent::FolderDone { report } => {
                let changed = report.inserted + report.removed + report.flags_updated;
                let arrived = report.folder.eq_ignore_ascii_case("INBOX")
                    && report.inserted > 0
                    && self.status().last_sync.is_some();
                if arrived {
                    self.emit(AppEvent::NewMail {
                        account: account.clone(),
                        count: count(report.inserted),
                    });
                }
                if report.inserted + report.removed > 0 || report.cleared {
                    // New mail may also join threads of other folders.
                    self.orders.forget();
                }
                if changed > 0 || report.cleared {
                    self.emit(AppEvent::MailChanged {
                        account: account.clone(),
                        folder: report.folder.clone(),
                        inserted: count(report.inserted),
                        removed: count(report.removed),
                        flags: count(report.flags_updated),
                    });
                    self.emit(AppEvent::FoldersChanged {
                        account: account.clone(),
                    });
                }
                let finished = match self.full_sync.lock() {
                    Ok(mut f) => match *f {
                        Some((index, of)) if index + 1 < of => false,
                        _ => {
                            *f = None;
                            true
                        }
                    },
                    Err(_) => true,
                };
                if finished {
                    self.set_status(|s| {
                        s.syncing = false;
                        s.progress = None;
                        s.online = true;
                        s.last_sync = Some(now() as f64);
                    });
                }
            }
            SyncEvent::Retrying { error, .. } => self.set_status(|s| {
                s.online = false;
                s.progress = Some(format!("Offline, trying again: {error}"));
            }),
            SyncEvent::Replayed { .. } => self.replay_wanted.notify_one(),
            SyncEvent::Idle { .. } => {
                self.set_status(|s| {
                    s.online = true;
                    s.error = None;
                });
                if self.status().pending > 0 {
                    self.replay_wanted.notify_one();
                }
            }
            SyncEvent::Changed { folder } => self.set_status(|s| {
                s.syncing = true;
                s.progress = Some(format!("Syncing {folder}"));
            }),
            _ => {}
        }
    }
}

/// The page's error for a background failure, which the service reports as text.
fn failure(text: &str) -> ApiError {
    // `ServiceEvent::Failed` carries the error's chain as text; the engine's Auth error
    // reads "... refused the login of ...". Everything that stops background work is
    // not transient, so the rest is shown as it is.
    if text.contains("refused the login") {
        ApiError::Auth {
            message: format!("{text}: check the password in the account settings."),
        }
    } else if text.contains("verified TLS connection") {
        ApiError::Certificate {
            message: text.to_owned(),
            certificate: None,
        }
    } else {
        ApiError::internal(text.to_owned())
    }
}

async fn pump(live: Arc<Live>, mut rx: broadcast::Receiver<ServiceEvent>) {
    loop {
        let event = tokio::select! {
            biased;
            () = live.cancel.cancelled() => return,
            e = rx.recv() => e,
        };
        match event {
            Ok(e) => live.on_service_event(e),
            // Missed progress is harmless; counts are read again on the next change.
            Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

async fn replay_loop(live: Arc<Live>, every: Duration) {
    loop {
        tokio::select! {
            biased;
            () = live.cancel.cancelled() => return,
            () = live.replay_wanted.notified() => {}
            () = tokio::time::sleep(every) => {}
        }
        let Ok(pending) = live.pending().await else {
            continue;
        };
        live.set_status(|s| s.pending = pending);
        if pending == 0 {
            continue;
        }
        let Ok(service) = live.service() else {
            continue;
        };
        let result = tokio::select! {
            biased;
            () = live.cancel.cancelled() => return,
            r = service.replay() => r,
        };
        match result {
            Ok(report) => {
                live.set_status(|s| s.online = true);
                if report.applied + report.dropped > 0 {
                    live.orders.forget();
                    live.emit(AppEvent::FoldersChanged {
                        account: live.account.name.clone(),
                    });
                }
            }
            Err(e) if e.is_transient() => live.set_status(|s| {
                s.online = false;
                s.progress = Some(format!("Offline: {}", error_chain(&e)));
            }),
            Err(e) => {
                let error = ApiError::from(e);
                live.emit(AppEvent::Failed {
                    account: live.account.name.clone(),
                    task: "replay".to_owned(),
                    error,
                });
            }
        }
        if let Ok(pending) = live.pending().await {
            live.set_status(|s| s.pending = pending);
        }
    }
}

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
