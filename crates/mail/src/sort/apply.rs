//! Applying a stored sort plan on the server, chunk by chunk, resumable after a crash.
//!
//! A plan's moves are grouped by (source, target) and split into chunks of at most
//! `chunk_size` UIDs, stored once in `sort_chunks` so every run works on the same chunks.
//! Per chunk: mark `started` (committed), check which UIDs still exist (`UID SEARCH UID`),
//! move those (RFC 6851 `UID MOVE`, or the RFC 4315 fallback), then in one transaction
//! update the cache and mark the chunk `done` with its counts.
//!
//! Each chunk carries its source's UIDVALIDITY from when the plan was split; a source
//! reset on the server since then ([`Error::StalePlan`]) stops the apply before anything
//! is created or moved, because its UIDs now name other messages.
//!
//! Resume: a chunk left `started` by a crash is reconciled. UIDs gone from the source
//! were moved (the command completed before the crash); UIDs still there were not, except
//! after the COPY fallback, where a copy may already sit in the target: those are found by
//! Message-ID in the target and only deleted from the source, never copied again.

use std::collections::BTreeSet;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::plan::{PlanState, PlannedMove};
use super::uidset::UidSet;
use crate::error::{Context, Error, Result};
use crate::imap::Connection;
use crate::journal::{relocate, Relocation};
use crate::store::{MailboxState, Store};
use crate::types::{Uid, UidValidity};

/// How a plan is applied.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// Most UIDs per command (and per cache transaction). What a `UID MOVE` costs the
    /// server beyond its messages grows with the source folder (measured on Dovecot:
    /// ≈0.12 s per 500-UID chunk from a 36K folder, ≈0.54 s from a 217K one), so fewer,
    /// larger chunks are much faster on big folders. 5,000 UIDs stay well under Dovecot's
    /// 64 KiB command line even when no two of them are adjacent.
    pub chunk_size: usize,
}

impl Default for ApplyOptions {
    fn default() -> ApplyOptions {
        ApplyOptions { chunk_size: 5_000 }
    }
}

/// Progress of an apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SortEvent {
    /// Work begins; `done` chunks were finished by an earlier run.
    Started {
        chunks: usize,
        done: usize,
        messages: usize,
    },
    FoldersCreated {
        folders: Vec<String>,
    },
    /// A chunk interrupted by a crash was checked against the server.
    Reconciled {
        source: String,
        already_moved: usize,
    },
    ChunkDone {
        done: usize,
        of: usize,
        moved: usize,
    },
}

/// How far a stored plan got.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortProgress {
    pub chunks: usize,
    pub done: usize,
    /// Interrupted in the middle; reconciled on the next run.
    pub started: usize,
    pub moved: usize,
    /// Planned messages no longer in the source (on the server or in the cache).
    pub missing: usize,
}

/// What applying a plan did, over every run of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReport {
    pub plan_id: String,
    pub planned: usize,
    pub moved: usize,
    /// Planned messages that were gone (stale plan): not moved, nothing else touched.
    pub missing: usize,
    pub chunks: usize,
    pub created_folders: Vec<String>,
    /// Chunks found interrupted and reconciled in this run.
    pub reconciled: usize,
}

struct Chunk {
    seq: i64,
    source: String,
    target: String,
    uids: UidSet,
    started: bool,
    /// The source's UIDVALIDITY in the cache when the plan was split.
    uidvalidity: Option<u32>,
}

impl Store {
    /// The execution state of a stored plan.
    pub fn sort_progress(&self, plan_id: &str) -> Result<SortProgress> {
        self.conn
            .query_row(
                "SELECT count(*), coalesce(sum(state = 'done'), 0), \
                 coalesce(sum(state = 'started'), 0), coalesce(sum(moved), 0), \
                 coalesce(sum(missing), 0) FROM sort_chunks WHERE plan_id = ?1",
                [plan_id],
                |r| {
                    let n = |i| r.get::<_, i64>(i).map(|v| usize::try_from(v).unwrap_or(0));
                    Ok(SortProgress {
                        chunks: n(0)?,
                        done: n(1)?,
                        started: n(2)?,
                        moved: n(3)?,
                        missing: n(4)?,
                    })
                },
            )
            .context("read a sort plan's progress")
    }

    /// Splits a plan into stored chunks, once. Moves whose message the cache no longer
    /// holds are left out and counted missing in chunk 0.
    fn prepare_chunks(&mut self, plan_id: &str, chunk_size: usize) -> Result<()> {
        let exists: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM sort_chunks WHERE plan_id = ?1",
                [plan_id],
                |r| r.get(0),
            )
            .context("read a sort plan's chunks")?;
        if exists {
            return Ok(());
        }
        let items = self.plan_items(plan_id)?;
        let tx = self.conn.transaction().context("prepare a sort plan")?;
        let mut groups: std::collections::BTreeMap<(String, String), Vec<Uid>> = Default::default();
        let mut stale = 0;
        for i in &items {
            // Same UID and same Message-ID: a folder resynced after a reset may hold
            // another message under the planned UID.
            let cached: bool = tx
                .prepare_cached(
                    "SELECT count(*) > 0 FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id \
                     WHERE b.name = ?1 AND m.uid = ?2 AND m.message_id = ?3",
                )
                .and_then(|mut s| {
                    s.query_row(params![i.source, i.uid.get(), i.message_id], |r| r.get(0))
                })
                .context("prepare a sort plan")?;
            if cached {
                groups
                    .entry((i.source.clone(), i.target.clone()))
                    .or_default()
                    .push(i.uid);
            } else {
                stale += 1;
            }
        }
        // Chunk 0 is a marker row holding the count of moves already stale at start.
        tx.execute(
            "INSERT INTO sort_chunks(plan_id, seq, source, target, uids, state, missing) \
             VALUES (?1, 0, '', '', '', 'done', ?2)",
            params![plan_id, stale],
        )
        .context("prepare a sort plan")?;
        let mut seq = 1;
        for ((source, target), uids) in groups {
            let validity: Option<u32> = tx
                .query_row(
                    "SELECT uidvalidity FROM mailboxes WHERE name = ?1",
                    [&source],
                    |r| r.get(0),
                )
                .optional()
                .context("prepare a sort plan")?
                .flatten();
            for chunk in UidSet::from_uids(uids).chunks(chunk_size) {
                tx.execute(
                    "INSERT INTO sort_chunks(plan_id, seq, source, target, uids, uidvalidity) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![plan_id, seq, source, target, chunk.to_string(), validity],
                )
                .context("prepare a sort plan")?;
                seq += 1;
            }
        }
        tx.execute(
            "UPDATE sort_plans SET state = ?1 WHERE id = ?2",
            params![PlanState::Applying.as_str(), plan_id],
        )
        .context("prepare a sort plan")?;
        tx.commit().context("prepare a sort plan")
    }

    fn open_chunks(&self, plan_id: &str) -> Result<Vec<Chunk>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, source, target, uids, state, uidvalidity FROM sort_chunks \
                 WHERE plan_id = ?1 AND state <> 'done' ORDER BY seq",
            )
            .context("read a sort plan's chunks")?;
        let rows = stmt
            .query_map([plan_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<u32>>(5)?,
                ))
            })
            .context("read a sort plan's chunks")?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, source, target, uids, state, uidvalidity) =
                row.context("read a sort plan's chunks")?;
            out.push(Chunk {
                seq,
                source,
                target,
                uids: UidSet::parse(&uids).unwrap_or_default(),
                started: state == "started",
                uidvalidity,
            });
        }
        Ok(out)
    }

    fn mark_chunk_started(&mut self, plan_id: &str, seq: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE sort_chunks SET state = 'started' WHERE plan_id = ?1 AND seq = ?2",
                params![plan_id, seq],
            )
            .context("record a sort chunk")?;
        Ok(())
    }

    /// The cache update of a finished chunk and its `done` mark, in one transaction.
    fn finish_chunk(
        &mut self,
        plan_id: &str,
        chunk: &Chunk,
        moved: &[(Uid, Option<(u32, Uid)>)],
        missing: usize,
    ) -> Result<()> {
        let tx = self.conn.transaction().context("record a sort chunk")?;
        let fast = FastMove::prepare(&tx, &chunk.source, &chunk.target)?;
        for (uid, new_uid) in moved {
            if let Some(f) = &fast {
                if f.relocate(&tx, *uid, *new_uid)? {
                    continue;
                }
            }
            relocate(
                &tx,
                &Relocation {
                    source: &chunk.source,
                    uid: *uid,
                    target: &chunk.target,
                    provisional: None,
                    new_uid: *new_uid,
                },
            )?;
        }
        tx.execute(
            "UPDATE sort_chunks SET state = 'done', moved = ?1, missing = ?2 \
             WHERE plan_id = ?3 AND seq = ?4",
            params![moved.len() as i64, missing as i64, plan_id, chunk.seq],
        )
        .context("record a sort chunk")?;
        tx.commit().context("record a sort chunk")
    }
}

/// The common case of a chunk's cache update, with statements prepared once per chunk:
/// the row is at the source, COPYUID gave a UID valid for the cached target, and no row
/// holds that UID yet. Everything else goes through [`relocate`], which this must match.
/// The row keeps its `sort_key`, so its FTS row stays right without rewriting.
struct FastMove {
    source: i64,
    target: i64,
    validity: Option<u32>,
}

impl FastMove {
    fn prepare(tx: &Transaction<'_>, source: &str, target: &str) -> Result<Option<FastMove>> {
        if source == target {
            return Ok(None);
        }
        let id = |name: &str| -> Result<Option<(i64, Option<u32>)>> {
            tx.query_row(
                "SELECT id, uidvalidity FROM mailboxes WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .context("read a mailbox's sync state")
        };
        Ok(match (id(source)?, id(target)?) {
            (Some((source, _)), Some((target, validity))) => Some(FastMove {
                source,
                target,
                validity,
            }),
            _ => None,
        })
    }

    /// Moves the row; `false` when the case is not the common one and nothing was done.
    fn relocate(&self, tx: &Transaction<'_>, uid: Uid, new: Option<(u32, Uid)>) -> Result<bool> {
        let new = match (new, self.validity) {
            (Some((v, n)), Some(c)) if v == c => n,
            (Some((_, n)), None) => n,
            _ => return Ok(false),
        };
        let taken = tx
            .prepare_cached("SELECT 1 FROM messages WHERE mailbox_id = ?1 AND uid = ?2")
            .and_then(|mut s| s.exists(params![self.target, new.get()]))
            .context("find a cached message")?;
        if taken {
            return Ok(false);
        }
        // No row at the source means nothing to move, as in `relocate`.
        tx.prepare_cached(
            "UPDATE messages SET mailbox_id = ?1, uid = ?2 WHERE mailbox_id = ?3 AND uid = ?4",
        )
        .and_then(|mut s| s.execute(params![self.target, new.get(), self.source, uid.get()]))
        .context("move a message in the cache")?;
        Ok(true)
    }
}

/// Applies stored plan `plan_id` over `conn`, resuming where an earlier run stopped.
/// Cancellation is honoured between chunks ([`Error::Cancelled`]); what was done stays
/// recorded and the next run continues.
pub async fn apply_sort_plan(
    conn: &mut Connection,
    store: &mut Store,
    plan_id: &str,
    opts: &ApplyOptions,
    progress: &mut (dyn FnMut(SortEvent) + Send),
    cancel: &CancellationToken,
) -> Result<ApplyReport> {
    let (plan, _) = store
        .sort_plan(plan_id)?
        .ok_or_else(|| Error::NoSortPlan(plan_id.to_owned()))?;
    store.prepare_chunks(plan_id, opts.chunk_size)?;
    let chunks = store.open_chunks(plan_id)?;
    let before = store.sort_progress(plan_id)?;
    progress(SortEvent::Started {
        chunks: before.chunks.saturating_sub(1),
        done: before.done.saturating_sub(1),
        messages: plan.total(),
    });
    let mut report = ApplyReport {
        plan_id: plan_id.to_owned(),
        planned: plan.total(),
        ..ApplyReport::default()
    };
    // Every source is checked before anything is created or moved.
    let mut checked = BTreeSet::new();
    for chunk in &chunks {
        if checked.insert(chunk.source.as_str()) {
            let selected = conn.select(&chunk.source, &MailboxState::default()).await?;
            check_validity(plan_id, chunk, selected.uidvalidity)?;
        }
    }
    let targets: BTreeSet<String> = chunks.iter().map(|c| c.target.clone()).collect();
    if !targets.is_empty() {
        let targets: Vec<String> = targets.into_iter().collect();
        report.created_folders = conn.ensure_folders(&targets).await?;
        if !report.created_folders.is_empty() {
            progress(SortEvent::FoldersCreated {
                folders: report.created_folders.clone(),
            });
        }
    }
    let of = before.chunks.saturating_sub(1);
    let mut selected: Option<String> = None;
    for (done, chunk) in (before.done.saturating_sub(1) + 1..).zip(chunks.iter()) {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        if selected.as_deref() != Some(chunk.source.as_str()) {
            let now = conn.select(&chunk.source, &MailboxState::default()).await?;
            // A reset while earlier chunks ran is caught here.
            check_validity(plan_id, chunk, now.uidvalidity)?;
            selected = Some(chunk.source.clone());
        }
        if !chunk.started {
            store.mark_chunk_started(plan_id, chunk.seq)?;
        }
        let present = conn.existing_uids(&chunk.uids).await?;
        let gone: Vec<Uid> = chunk
            .uids
            .uids()
            .filter(|u| !present.contains(*u))
            .collect();
        let mut moved: Vec<(Uid, Option<(u32, Uid)>)> = Vec::new();
        let mut missing = gone.len();
        let mut to_move = present.clone();
        if chunk.started {
            // Gone from the source after a started command: the command completed.
            missing = 0;
            moved.extend(gone.iter().map(|u| (*u, None)));
            if !conn.capabilities().moves && !present.is_empty() {
                let items = store.plan_items(plan_id)?;
                let copied = copies_in_target(conn, &items, chunk, &present).await?;
                let copied_set = UidSet::from_uids(copied.iter().copied());
                conn.delete_uids(&copied_set).await?;
                moved.extend(copied.iter().map(|u| (*u, None)));
                to_move = UidSet::from_uids(present.uids().filter(|u| !copied_set.contains(*u)));
            }
            report.reconciled += 1;
            progress(SortEvent::Reconciled {
                source: chunk.source.clone(),
                already_moved: moved.len(),
            });
        }
        let copy = conn.move_uids(&to_move, &chunk.target).await?;
        for uid in to_move.uids() {
            let new = copy
                .as_ref()
                .and_then(|c| c.target_of(uid).map(|n| (c.uidvalidity, n)));
            moved.push((uid, new));
        }
        store.finish_chunk(plan_id, chunk, &moved, missing)?;
        progress(SortEvent::ChunkDone {
            done,
            of,
            moved: moved.len(),
        });
    }
    store
        .conn
        .execute(
            "UPDATE sort_plans SET state = ?1 WHERE id = ?2",
            params![PlanState::Done.as_str(), plan_id],
        )
        .context("record a sort plan")?;
    let totals = store.sort_progress(plan_id)?;
    report.moved = totals.moved;
    report.missing = totals.missing;
    report.chunks = totals.chunks.saturating_sub(1);
    Ok(report)
}

/// [`Error::StalePlan`] when `chunk`'s source has another UIDVALIDITY on the server than
/// when the plan was split.
fn check_validity(plan_id: &str, chunk: &Chunk, server: Option<UidValidity>) -> Result<()> {
    match (chunk.uidvalidity, server) {
        (Some(planned), Some(now)) if planned != now.0.get() => Err(Error::StalePlan {
            plan: plan_id.to_owned(),
            folder: chunk.source.clone(),
        }),
        _ => Ok(()),
    }
}

/// After the COPY fallback was interrupted: the UIDs of `present` (planned as `items`)
/// whose message already has a copy in the target, found by Message-ID. Leaves the
/// source selected.
async fn copies_in_target(
    conn: &mut Connection,
    items: &[PlannedMove],
    chunk: &Chunk,
    present: &UidSet,
) -> Result<Vec<Uid>> {
    conn.select(&chunk.target, &MailboxState::default()).await?;
    let mut copied = Vec::new();
    for item in items
        .iter()
        .filter(|i| i.source == chunk.source && present.contains(i.uid))
    {
        if !conn
            .uids_with_message_id(&item.message_id)
            .await?
            .is_empty()
        {
            copied.push(item.uid);
        }
    }
    conn.select(&chunk.source, &MailboxState::default()).await?;
    Ok(copied)
}
