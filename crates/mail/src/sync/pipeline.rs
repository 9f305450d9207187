//! The header batches of one mailbox as a pipeline: the connection fetches batch N+1
//! while a writer thread parses and stores batch N, so the server's time and the cache's
//! time overlap instead of adding up.
//!
//! Invariants (the same as those of a sequential fetch-then-store loop):
//! - Batches are stored in fetch order, several to a transaction (see `GROUP_ROWS`),
//!   each with the cached UIDNEXT that covers it, so UIDNEXT moves past a batch only
//!   when that batch is committed. An interrupted pipeline resumes like an interrupted
//!   loop; it fetches again at most the last uncommitted group.
//! - At most one batch waits between the two sides, so memory stays bounded.
//! - When no batch is waiting and `SyncOptions::index_rows` stored rows are not yet in
//!   the full-text index, the writer builds the index of those rows meanwhile (one chunk of the
//!   bulk build), so the build at the end of the folder has less left to do whenever the
//!   server or the network is the slower side. The rows are built in the same 25,000-row
//!   chunks as at the end, not batch by batch.
//! - Given addresses to classify with, the writer decides the senders of what it stored
//!   once, right after its first commit (see `Writer::start`), while the connection
//!   fetches the next batch.
//! - The writer holds the cache's connection only while the pipeline runs. It is given
//!   back when the pipeline finishes, fails or is cancelled, and also when the pipeline
//!   is dropped mid-way: the drop waits for the batch in hand (a fraction of a second).

use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;

use super::folder::new_message;
use crate::error::Result;
use crate::imap::Fetched;
use crate::store::{HeaderGroup, MailboxState, NewMessage, Store};
use crate::types::{MailboxId, Uid};

/// One fetched batch on its way to the cache.
pub(crate) struct Batch {
    pub fetched: Vec<Fetched>,
    /// The UIDs asked for; `last` is the highest of them.
    pub uids: usize,
    pub last: Option<Uid>,
}

/// What the writer reports after each stored batch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stored {
    pub inserted: usize,
    pub uids: usize,
}

/// The store side of the pipeline; see the module doc.
pub(crate) struct Writer<'a> {
    home: &'a mut Store,
    mailbox: MailboxId,
    state: MailboxState,
    /// `None` when no thread could be started: batches are then stored inline, which is
    /// slower but otherwise the same.
    thread: Option<Thread>,
    /// Reports of inline stores.
    inline: Vec<Stored>,
}

struct Thread {
    jobs: Option<mpsc::Sender<Batch>>,
    stored: mpsc::UnboundedReceiver<Stored>,
    back: std_mpsc::Receiver<(Store, Result<()>)>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl<'a> Writer<'a> {
    /// Starts the writer thread on `home`'s connection; `state` is the mailbox's sync
    /// state, whose UIDNEXT the writer advances batch by batch; a transaction holds up to
    /// `group_rows` rows; once `index_rows` stored rows are not yet indexed, the writer
    /// indexes while no batch waits. With `classify_first` (my addresses), the senders of
    /// the first stored rows are decided right after the first commit: on a new account
    /// those are the newest messages, and the frequent senders among them are then known
    /// when the rest of their mail is stored, so those rows need no rewriting later.
    pub(crate) fn start(
        home: &'a mut Store,
        mailbox: MailboxId,
        state: MailboxState,
        (group_rows, index_rows): (usize, usize),
        classify_first: Option<Vec<String>>,
    ) -> Result<Writer<'a>> {
        let (give, given) = std_mpsc::channel::<Store>();
        let (jobs_tx, mut jobs_rx) = mpsc::channel::<Batch>(1);
        let (stored_tx, stored_rx) = mpsc::unbounded_channel();
        let (back_tx, back_rx) = std_mpsc::channel();
        // The thread is spawned before the connection is lent, so a failed spawn loses
        // nothing.
        let spawned = std::thread::Builder::new()
            .name("mailcall-cache-writer".to_owned())
            .spawn(move || {
                let Ok(mut store) = given.recv() else {
                    return;
                };
                let limits = (group_rows, index_rows);
                let r = write_batches(
                    &mut store,
                    mailbox,
                    state,
                    limits,
                    classify_first,
                    &mut jobs_rx,
                    &stored_tx,
                );
                let _ = back_tx.send((store, r));
            });
        let mut writer = Writer {
            home,
            mailbox,
            state,
            thread: None,
            inline: Vec::new(),
        };
        let handle = match spawned {
            Ok(h) => h,
            Err(e) => {
                tracing::debug!(error = %e, "no cache writer thread; storing inline");
                return Ok(writer);
            }
        };
        let lent = writer.home.lend()?;
        if let Err(std_mpsc::SendError(lent)) = give.send(lent) {
            writer.home.restore(lent);
            return Ok(writer);
        }
        writer.thread = Some(Thread {
            jobs: Some(jobs_tx),
            stored: stored_rx,
            back: back_rx,
            handle: Some(handle),
        });
        Ok(writer)
    }

    /// Queues a batch, waiting while the previous one is still queued. `Ok(false)` when
    /// the writer has stopped (its error comes from [`Writer::finish`]).
    pub(crate) async fn send(&mut self, batch: Batch) -> Result<bool> {
        match &self.thread {
            Some(t) => match &t.jobs {
                Some(jobs) => Ok(jobs.send(batch).await.is_ok()),
                None => Ok(false),
            },
            None => {
                let stored = write_batch(self.home, self.mailbox, &mut self.state, batch)?;
                self.inline.push(stored);
                Ok(true)
            }
        }
    }

    /// Reports of the batches stored since the last call.
    pub(crate) fn drain(&mut self) -> Vec<Stored> {
        let mut out = std::mem::take(&mut self.inline);
        if let Some(t) = &mut self.thread {
            while let Ok(s) = t.stored.try_recv() {
                out.push(s);
            }
        }
        out
    }

    /// Lets the writer store what is queued, takes the connection back and returns the
    /// writer's outcome with the reports not yet drained. Blocks for the last batch.
    pub(crate) fn finish(mut self) -> (Result<()>, Vec<Stored>) {
        let outcome = self.take_back();
        let rest = self.drain();
        (outcome, rest)
    }

    fn take_back(&mut self) -> Result<()> {
        let Some(t) = &mut self.thread else {
            return Ok(());
        };
        // Closing the queue is what ends the writer's loop.
        t.jobs = None;
        let outcome = match t.back.recv() {
            Ok((store, outcome)) => {
                self.home.restore(store);
                outcome
            }
            Err(_) => {
                // Only a panic in the writer gets here; it is passed on as if the batch
                // had been stored on this thread.
                if let Some(Err(panic)) = t.handle.take().map(std::thread::JoinHandle::join) {
                    if !std::thread::panicking() {
                        std::panic::resume_unwind(panic);
                    }
                }
                Ok(())
            }
        };
        if let Some(h) = t.handle.take() {
            let _ = h.join();
        }
        let rest: Vec<Stored> = std::iter::from_fn(|| t.stored.try_recv().ok()).collect();
        self.inline.extend(rest);
        self.thread = None;
        outcome
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.take_back() {
            tracing::debug!(error = %e, "cache writer stopped with an error");
        }
    }
}

/// The longest a cache transaction stays open, besides its row limit
/// (`SyncOptions::commit_rows`): what a crash can lose (a resumed sync fetches it again)
/// and how far behind concurrent readers can be. Larger transactions write each index
/// page once for more rows (see `HeaderGroup`).
const GROUP_TIME: Duration = Duration::from_secs(2);

fn store_batch(group: &mut HeaderGroup<'_>, state: &mut MailboxState, b: Batch) -> Result<Stored> {
    let batch: Vec<NewMessage> = b.fetched.into_iter().filter_map(new_message).collect();
    if let Some(last) = b.last {
        state.uidnext = Uid::new(last.get().saturating_add(1)).max(state.uidnext);
    }
    let done = group.store(&batch, state)?;
    Ok(Stored {
        inserted: done.inserted,
        uids: b.uids,
    })
}

fn write_batch(
    store: &mut Store,
    mailbox: MailboxId,
    state: &mut MailboxState,
    b: Batch,
) -> Result<Stored> {
    let mut group = store.header_group(mailbox)?;
    let stored = store_batch(&mut group, state, b)?;
    group.commit()?;
    Ok(stored)
}

/// The writer thread's loop: batches already queued are grouped into transactions of up
/// to `group_rows` rows or [`GROUP_TIME`], and reported once committed. While no batch
/// waits and `index_rows` stored rows are not indexed yet, it builds index chunks.
fn write_batches(
    store: &mut Store,
    mailbox: MailboxId,
    mut state: MailboxState,
    (group_rows, index_rows): (usize, usize),
    mut classify_first: Option<Vec<String>>,
    jobs: &mut mpsc::Receiver<Batch>,
    stored: &mpsc::UnboundedSender<Stored>,
) -> Result<()> {
    // Stored rows not yet indexed by this writer.
    let mut unindexed = 0;
    loop {
        let first = if unindexed >= index_rows {
            match jobs.try_recv() {
                Ok(b) => b,
                Err(TryRecvError::Empty) => {
                    let (_, cleared) = store.index_pending_chunk()?;
                    unindexed = if cleared == 0 {
                        0
                    } else {
                        unindexed.saturating_sub(cleared)
                    };
                    continue;
                }
                Err(TryRecvError::Disconnected) => break,
            }
        } else {
            match jobs.blocking_recv() {
                Some(b) => b,
                None => break,
            }
        };
        let mut group = store.header_group(mailbox)?;
        let opened = Instant::now();
        let mut reports = Vec::new();
        let mut rows = 0;
        let mut closed = false;
        let mut batch = first;
        loop {
            let done = store_batch(&mut group, &mut state, batch)?;
            rows += done.uids;
            unindexed += done.inserted;
            reports.push(done);
            if rows >= group_rows || opened.elapsed() >= GROUP_TIME {
                break;
            }
            // Only a batch already waiting joins the group: waiting for the network with
            // the transaction open would hold the cache's write lock against other
            // writers. So groups form when storing is the slower side, which is when
            // they pay off.
            match jobs.try_recv() {
                Ok(b) => batch = b,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    closed = true;
                    break;
                }
            }
        }
        group.commit()?;
        let inserted = reports.iter().any(|r| r.inserted > 0);
        for done in reports {
            // The receiving side may have gone (a dropped pipeline); storing goes on.
            let _ = stored.send(done);
        }
        if let Some(me) = classify_first.take_if(|_| inserted) {
            let me: Vec<&str> = me.iter().map(String::as_str).collect();
            let r = store.classify_senders(&me)?;
            tracing::debug!(?r, "senders of the first rows classified");
        }
        if closed {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(uids: std::ops::RangeInclusive<u32>) -> Batch {
        let fetched: Vec<Fetched> = uids
            .clone()
            .map(|u| Fetched {
                uid: Uid::new(u),
                flags: Some(Default::default()),
                header: Some(
                    format!(
                        "Message-ID: <m{u}@pipeline.test>\r\nSubject: pipeline {u}\r\n\
                         From: Ann <ann@pipeline.test>\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\n\r\n"
                    )
                    .into_bytes(),
                ),
                ..Fetched::default()
            })
            .collect();
        Batch {
            uids: fetched.len(),
            last: Uid::new(*uids.end()),
            fetched,
        }
    }

    /// A cache in a file (so a second connection can watch the writer) with an INBOX.
    fn on_disk() -> (tempfile::TempDir, Store, MailboxId) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path().join("cache.sqlite"), None).expect("store");
        let mailbox = store.ensure_mailbox("INBOX", None).expect("mailbox");
        (dir, store, mailbox)
    }

    fn count(store: &Store) -> i64 {
        store
            .conn
            .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
            .expect("count")
    }

    #[tokio::test]
    async fn batches_are_stored_in_order_and_uidnext_follows() {
        let mut store = Store::open_in_memory().expect("store");
        let mailbox = store.ensure_mailbox("INBOX", None).expect("mailbox");
        let mut writer = Writer::start(
            &mut store,
            mailbox,
            MailboxState::default(),
            (25_000, 25_000),
            None,
        )
        .expect("writer");
        assert!(writer.send(batch(1..=50)).await.expect("send"));
        assert!(writer.send(batch(51..=80)).await.expect("send"));
        let (outcome, reports) = writer.finish();
        outcome.expect("writer outcome");
        assert_eq!(reports.len(), 2);
        assert_eq!(reports.iter().map(|r| r.inserted).sum::<usize>(), 80);
        assert_eq!(count(&store), 80);
        let state = store.mailbox_state(mailbox).expect("state");
        assert_eq!(state.uidnext.map(Uid::get), Some(81));
    }

    // While the fetch side is slow, a stored batch must be committed at once: the writer
    // may not keep the transaction (and the cache's write lock) open waiting for more.
    #[tokio::test]
    async fn a_batch_is_committed_without_waiting_for_the_next() {
        let (dir, mut store, mailbox) = on_disk();
        let path = dir.path().join("cache.sqlite");
        let mut writer = Writer::start(
            &mut store,
            mailbox,
            MailboxState::default(),
            (25_000, 25_000),
            None,
        )
        .expect("writer");
        assert!(writer.send(batch(1..=50)).await.expect("send"));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut reports = Vec::new();
        while reports.is_empty() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
            reports = writer.drain();
        }
        assert_eq!(reports.len(), 1, "the batch was not committed on its own");
        let mut other = Store::open(&path, None).expect("second connection");
        other
            .ensure_mailbox("Other", None)
            .expect("another writer is not locked out");
        assert_eq!(count(&other), 50);
        let (outcome, _) = writer.finish();
        outcome.expect("writer outcome");
    }

    // The server is the slower side here (nothing more is sent): the rows stored so far
    // are indexed while the writer waits, before the folder's end.
    #[tokio::test]
    async fn an_idle_writer_indexes_what_it_stored() {
        let (dir, mut store, mailbox) = on_disk();
        let path = dir.path().join("cache.sqlite");
        let mut writer = Writer::start(
            &mut store,
            mailbox,
            MailboxState::default(),
            (25_000, 20),
            None,
        )
        .expect("writer");
        assert!(writer.send(batch(1..=50)).await.expect("send"));
        let other = Store::open(&path, None).expect("second connection");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut stored = 0;
        let mut pending = 1;
        while (stored == 0 || pending > 0) && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
            stored += writer.drain().len();
            pending = other.pending_index().expect("pending");
        }
        assert_eq!(stored, 1, "the batch was not stored");
        assert_eq!(pending, 0, "the stored rows were not indexed while idle");
        assert!(writer.send(batch(51..=60)).await.expect("send"));
        let (outcome, reports) = writer.finish();
        outcome.expect("writer outcome");
        assert_eq!(reports.iter().map(|r| r.inserted).sum::<usize>(), 10);
        // Fewer rows than a group wait for the folder's build.
        assert_eq!(store.pending_index().expect("pending"), 10);
    }

    // A sync future dropped mid-way (a timeout around it) must not leave the cache on the
    // writer's side: the drop waits for the writer and takes the connection back.
    #[tokio::test]
    async fn a_dropped_pipeline_gives_the_cache_back() {
        let mut store = Store::open_in_memory().expect("store");
        let mailbox = store.ensure_mailbox("INBOX", None).expect("mailbox");
        {
            let mut writer = Writer::start(
                &mut store,
                mailbox,
                MailboxState::default(),
                (25_000, 25_000),
                None,
            )
            .expect("writer");
            assert!(writer.send(batch(1..=40)).await.expect("send"));
        }
        assert_eq!(count(&store), 40);
        let state = store.mailbox_state(mailbox).expect("state");
        assert_eq!(state.uidnext.map(Uid::get), Some(41));
        // The next run resumes on the same cache, skipping what is stored.
        let mut writer =
            Writer::start(&mut store, mailbox, state, (25_000, 25_000), None).expect("writer");
        assert!(writer.send(batch(30..=60)).await.expect("send"));
        let (outcome, reports) = writer.finish();
        outcome.expect("writer outcome");
        assert_eq!(reports.iter().map(|r| r.inserted).sum::<usize>(), 20);
        assert_eq!(count(&store), 60);
    }
}
