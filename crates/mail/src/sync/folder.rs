//! Carrying out a [`SyncPlan`] for one mailbox, and fetching bodies.
//!
//! Invariants (what makes an interrupted sync resumable):
//! - Header batches are stored one transaction each; only after a batch is stored does
//!   the cached UIDNEXT move past it. HIGHESTMODSEQ is saved only when the whole mailbox
//!   is done, so flag changes missed by an interrupted run are asked for again.
//! - Header rows are stored without their full-text rows; the index is built in bulk
//!   before `sync_folder` returns, including what an interrupted earlier run left, so
//!   a finished sync is fully searchable.
//! - Bodies are fetched with `BODY.PEEK[]` only; a synced mailbox keeps its `\Seen` flags.

use rusqlite::params;
use tokio_util::sync::CancellationToken;

use super::pipeline::{Batch, Stored, Writer};
use super::plan::{plan_sync, CachedMailbox, ExpungePlan, FlagPlan, SyncPlan};
use super::{FolderReport, SyncEvent, SyncOptions};
use crate::error::{Context, Error, Result};
use crate::imap::{uid_set, Connection, Fetched};
use crate::message::{parse_headers, parse_message};
use crate::store::{BodyUpdate, FlagUpdate, MailboxState, NewMessage, Store};
use crate::types::{MailboxId, MailboxRole, MessageId, Uid};

/// Reads the sync needs that the cache's public API does not offer as such.
impl Store {
    pub(crate) fn count_in(&self, mailbox: MailboxId) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM messages WHERE mailbox_id = ?1",
                [mailbox.0],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| u64::try_from(n).unwrap_or(0))
            .context("count a mailbox's messages")
    }

    pub(crate) fn uids_without_body(&self, mailbox: MailboxId) -> Result<Vec<Uid>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT uid FROM messages WHERE mailbox_id = ?1 AND has_body = 0 ORDER BY uid DESC",
            )
            .context("list messages without a body")?;
        let rows = stmt
            .query_map(params![mailbox.0], |r| r.get::<_, u32>(0))
            .context("list messages without a body")?;
        let mut out = Vec::new();
        for r in rows {
            if let Some(u) = Uid::new(r.context("list messages without a body")?) {
                out.push(u);
            }
        }
        Ok(out)
    }
}

/// Awaits `fut` unless `cancel` fires first.
pub(crate) async fn or_cancel<T>(
    cancel: &CancellationToken,
    fut: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(Error::Cancelled),
        r = fut => r,
    }
}

pub(super) fn new_message(f: Fetched) -> Option<NewMessage> {
    let uid = f.uid?;
    let header = f.header?;
    let mut meta = parse_headers(&header);
    if let Some(attached) = f.has_attachment {
        meta.has_attachment = attached;
    }
    Some(NewMessage {
        uid,
        flags: f.flags.unwrap_or_default(),
        modseq: f.modseq,
        internal_date: f.internal_date,
        size: f.size,
        meta,
        body_text: None,
    })
}

fn flag_updates(fetched: Vec<Fetched>) -> Vec<FlagUpdate> {
    fetched
        .into_iter()
        .filter_map(|f| {
            Some(FlagUpdate {
                uid: f.uid?,
                flags: f.flags?,
                modseq: f.modseq,
            })
        })
        .collect()
}

/// Removes cached messages the server no longer has.
async fn diff_uids(
    conn: &mut Connection,
    store: &mut Store,
    mailbox: MailboxId,
    cancel: &CancellationToken,
) -> Result<usize> {
    let server = or_cancel(cancel, conn.all_uids()).await?;
    let server: std::collections::HashSet<Uid> = server.into_iter().collect();
    let gone: Vec<Uid> = store
        .cached_uids(mailbox)?
        .into_iter()
        .map(|(u, ..)| u)
        .filter(|u| !server.contains(u))
        .collect();
    store.remove_uids(mailbox, &gone)
}

/// Brings one mailbox up to date with the server.
pub(crate) async fn sync_folder(
    conn: &mut Connection,
    store: &mut Store,
    (name, role): (&str, Option<MailboxRole>),
    opts: &SyncOptions,
    classify_first: Option<&[&str]>,
    progress: &mut (dyn FnMut(SyncEvent) + Send),
    cancel: &CancellationToken,
) -> Result<FolderReport> {
    let mailbox = store.ensure_mailbox(name, role)?;
    let cached = CachedMailbox {
        state: store.mailbox_state(mailbox)?,
        count: store.count_in(mailbox)?,
    };
    let selected = or_cancel(cancel, conn.select(name, &cached.state)).await?;
    let plan: SyncPlan = plan_sync(&cached, &selected);
    tracing::debug!(folder = name, ?plan, "sync plan");
    let mut report = FolderReport {
        folder: name.to_owned(),
        cleared: plan.clear,
        ..FolderReport::default()
    };
    let mut state = if plan.clear || cached.state.uidvalidity != selected.uidvalidity {
        if plan.clear {
            store.clear_mailbox(mailbox)?;
        }
        MailboxState {
            uidvalidity: selected.uidvalidity,
            uidnext: None,
            highestmodseq: None,
        }
    } else {
        cached.state
    };
    store.set_mailbox_state(mailbox, &state)?;

    match plan.flags {
        FlagPlan::Skip => {}
        FlagPlan::FromSelect => {
            report.flags_updated += store.update_flags(mailbox, &selected.changed)?
        }
        FlagPlan::ChangedSince(m) => {
            let fetched = or_cancel(cancel, conn.fetch_flags("1:*", Some(m))).await?;
            report.flags_updated += store.update_flags(mailbox, &flag_updates(fetched))?;
        }
        FlagPlan::All { below } => {
            let set = format!("1:{}", below.get().saturating_sub(1).max(1));
            let fetched = or_cancel(cancel, conn.fetch_flags(&set, None)).await?;
            let fresh = flag_updates(fetched);
            // Only rows whose flags really differ are written.
            let known: std::collections::HashMap<Uid, crate::types::Flags> = store
                .cached_uids(mailbox)?
                .into_iter()
                .map(|(u, f, _)| (u, f))
                .collect();
            let changed: Vec<FlagUpdate> = fresh
                .into_iter()
                .filter(|u| known.get(&u.uid).is_some_and(|f| *f != u.flags))
                .collect();
            report.flags_updated += store.update_flags(mailbox, &changed)?;
        }
    }
    match plan.expunges {
        ExpungePlan::FromSelect => {
            let cached_uids = store.cached_uids(mailbox)?.into_iter().map(|(u, ..)| u);
            let gone = selected.vanished_among(cached_uids);
            report.removed += store.remove_uids(mailbox, &gone)?;
        }
        ExpungePlan::UidDiff => report.removed += diff_uids(conn, store, mailbox, cancel).await?,
        ExpungePlan::Skip | ExpungePlan::DiffIfCountsDiffer => {}
    }

    let mut last_fetched: Option<Uid> = None;
    if let Some(from) = plan.fetch_from {
        let uids = or_cancel(cancel, conn.uids_from(from)).await?;
        let total = uids.len();
        progress(SyncEvent::Headers {
            folder: name.to_owned(),
            done: 0,
            total,
        });
        // Fetching batch N+1 overlaps storing batch N (see `pipeline`).
        let mut writer = Writer::start(
            store,
            mailbox,
            state,
            (opts.commit_rows.max(1), opts.index_rows.max(1)),
            classify_first.map(|me| me.iter().map(|a| (*a).to_owned()).collect()),
        )?;
        let mut done = 0;
        let mut stored = |report: &mut FolderReport, batches: Vec<Stored>| {
            for b in batches {
                report.inserted += b.inserted;
                report.batches += 1;
                done = (done + b.uids).min(total);
                progress(SyncEvent::Headers {
                    folder: name.to_owned(),
                    done,
                    total,
                });
            }
        };
        let mut failed = None;
        // A folder new to the cache shows its newest mail first: the newest batch is
        // fetched and stored ahead of the rest, without moving UIDNEXT (which only passes
        // a stored prefix, so an interrupted sync still resumes right); once the rest is
        // in, an empty batch moves UIDNEXT past it. A new account's inbox thus has its
        // first page while the older mail fills in behind.
        let size = opts.batch_size.max(1);
        let newest_first = cached.count == 0 && uids.len() > size;
        let (older, newest) = uids.split_at(if newest_first {
            uids.len() - size
        } else {
            uids.len()
        });
        let chunks = newest
            .chunks(size)
            .map(|c| (c, false))
            .chain(older.chunks(size).map(|c| (c, true)));
        for (chunk, advances) in chunks {
            let fetched = match or_cancel(cancel, conn.fetch_headers(chunk)).await {
                Ok(f) => f,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            };
            report.fetched += fetched.len();
            let last = chunk.last().copied().filter(|_| advances);
            let batch = Batch {
                fetched,
                uids: chunk.len(),
                last,
            };
            match writer.send(batch).await {
                Ok(true) => {}
                // The writer stopped; its error comes from `finish`.
                Ok(false) => break,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
            if let Some(last) = last {
                last_fetched = Some(last);
                state.uidnext = Uid::new(last.get().saturating_add(1)).max(state.uidnext);
            }
            stored(&mut report, writer.drain());
        }
        if failed.is_none() && newest_first {
            let last = newest.last().copied();
            let moved = writer.send(Batch {
                fetched: Vec::new(),
                uids: 0,
                last,
            });
            match moved.await {
                Ok(_) => {
                    if let Some(last) = last {
                        last_fetched = Some(last);
                        state.uidnext = Uid::new(last.get().saturating_add(1)).max(state.uidnext);
                    }
                }
                Err(e) => failed = Some(e),
            }
        }
        let (outcome, rest) = writer.finish();
        stored(&mut report, rest);
        if let Some(e) = failed {
            return Err(e);
        }
        outcome?;
        if plan.expunges == ExpungePlan::DiffIfCountsDiffer
            && store.count_in(mailbox)? != u64::from(selected.exists)
        {
            report.removed += diff_uids(conn, store, mailbox, cancel).await?;
        }
    }
    // What this run stored, and what an interrupted earlier run left.
    index_pending(store, name, progress)?;
    // Everything up to what SELECT (and the later search) saw is stored now.
    let seen_next = last_fetched.and_then(|u| Uid::new(u.get().saturating_add(1)));
    state.uidnext = state.uidnext.max(selected.uidnext).max(seen_next);
    state.highestmodseq = selected.highestmodseq;
    store.set_mailbox_state(mailbox, &state)?;
    Ok(report)
}

/// Builds the full-text index of every pending row, reporting it as `folder`'s.
fn index_pending(
    store: &mut Store,
    folder: &str,
    progress: &mut (dyn FnMut(SyncEvent) + Send),
) -> Result<()> {
    store.index_pending(&mut |done, total| {
        progress(SyncEvent::Indexing {
            folder: folder.to_owned(),
            done,
            total,
        })
    })?;
    Ok(())
}

/// Fetches the bodies still missing in `name` (newest first), in batches.
pub(crate) async fn fetch_missing_bodies(
    conn: &mut Connection,
    store: &mut Store,
    name: &str,
    opts: &SyncOptions,
    progress: &mut (dyn FnMut(SyncEvent) + Send),
    cancel: &CancellationToken,
) -> Result<usize> {
    let Some(mailbox) = store.mailbox_id(name)? else {
        return Ok(0);
    };
    let missing = store.uids_without_body(mailbox)?;
    if missing.is_empty() {
        return Ok(0);
    }
    let state = store.mailbox_state(mailbox)?;
    if !or_cancel(cancel, select_unchanged(conn, state, name)).await? {
        return Ok(0);
    }
    let total = missing.len();
    let mut stored = 0;
    for chunk in missing.chunks(opts.body_batch.max(1)) {
        let fetched = or_cancel(cancel, conn.fetch_bodies(chunk)).await?;
        stored += store.set_bodies(mailbox, &body_updates(fetched))?;
        progress(SyncEvent::Bodies {
            folder: name.to_owned(),
            done: stored,
            total,
        });
    }
    Ok(stored)
}

/// Fetches and stores the bodies of specific messages ("on open").
pub async fn fetch_bodies_of(
    conn: &mut Connection,
    store: &mut Store,
    name: &str,
    uids: &[Uid],
) -> Result<usize> {
    let Some(mailbox) = store.mailbox_id(name)? else {
        return Ok(0);
    };
    if !select_unchanged(conn, store.mailbox_state(mailbox)?, name).await? {
        return Ok(0);
    }
    let updates = body_updates(conn.fetch_bodies(uids).await?);
    tracing::debug!(folder = name, set = %uid_set(uids), n = updates.len(), "fetched bodies on open");
    store.set_bodies(mailbox, &updates)
}

/// Fetches the whole source of cached message `id` with `BODY.PEEK[]` (it stays unread on
/// the server) and keeps it in the cache with its body text, so it opens again offline.
pub async fn fetch_source_of(
    conn: &mut Connection,
    store: &mut Store,
    id: MessageId,
) -> Result<Vec<u8>> {
    let detail = store.message(id)?.ok_or(Error::NoMessage(id.0))?;
    let (name, uid) = (detail.summary.mailbox_name, detail.summary.uid);
    let gone = || Error::MessageGone {
        folder: name.clone(),
        uid: uid.get(),
    };
    let state = store.mailbox_state(detail.summary.mailbox)?;
    if !select_unchanged(conn, state, &name).await? {
        return Err(gone());
    }
    let fetched = conn.fetch_bodies(&[uid]).await?;
    let Some(raw) = fetched
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.body.clone())
    else {
        return Err(gone());
    };
    store.set_bodies(detail.summary.mailbox, &body_updates(fetched))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    store.set_raw_message(id, &raw, now)?;
    Ok(raw)
}

/// Selects `name` (it may not be the selected folder any more) and tells whether its
/// UIDs still mean what the cache holds. After a UIDVALIDITY change the next header sync
/// clears the folder; bodies fetched for the old UIDs would be stored on the wrong rows.
async fn select_unchanged(conn: &mut Connection, state: MailboxState, name: &str) -> Result<bool> {
    let without_modseq = MailboxState {
        highestmodseq: None,
        ..state
    };
    let selected = conn.select(name, &without_modseq).await?;
    Ok(selected.uidvalidity == state.uidvalidity)
}

/// The body text and attachment flag of each fetched message.
fn body_updates(fetched: Vec<Fetched>) -> Vec<BodyUpdate> {
    fetched
        .into_iter()
        .filter_map(|f| {
            let parsed = parse_message(f.body.as_deref()?);
            Some(BodyUpdate {
                uid: f.uid?,
                text: parsed.body_text.unwrap_or_default(),
                has_attachment: Some(parsed.meta.has_attachment),
            })
        })
        .collect()
}
