//! Replaying the journal on the server, oldest row first, one row at a time.
//!
//! Per row: conflicts are checked first (the message must still be where the row says);
//! a row that cannot apply any more is `dropped` with a note, and its provisional cache
//! row removed. Otherwise the row is marked `started` (committed), the command sent, and
//! the outcome recorded in one transaction with the cache update: the provisional UID
//! becomes the server's (COPYUID, APPENDUID, or a search by Message-ID when the server
//! gives neither), and later rows naming the provisional UID are rewritten to it.
//!
//! Idempotence: a `started` row found at the start of a run was interrupted. A move is
//! done when its UID is gone from the source (the copy is then found by Message-ID); an
//! append is done when its Message-ID is in the target. Only otherwise is it sent again.

use rusqlite::{params, Transaction};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::cache::{delete_row, relocate, settle_provisional, Relocation};
use super::{is_provisional, ChangeKind, EntryState, JournalEntry};
use crate::error::{Context, Error, Result};
use crate::imap::Connection;
use crate::sort::UidSet;
use crate::store::{MailboxState, Store};
use crate::types::Uid;

/// What replay did with one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReplayOutcome {
    Applied { new_uid: Option<Uid> },
    Dropped { reason: String },
}

/// One row's outcome, for the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayNote {
    pub id: i64,
    pub kind: ChangeKind,
    pub mailbox: String,
    pub target: Option<String>,
    pub message_id: String,
    #[serde(flatten)]
    pub outcome: ReplayOutcome,
}

/// What a replay run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayReport {
    pub applied: usize,
    pub dropped: usize,
    pub notes: Vec<ReplayNote>,
}

fn set_state(
    tx: &Transaction<'_>,
    id: i64,
    state: EntryState,
    new_uid: Option<Uid>,
    note: Option<&str>,
) -> Result<()> {
    tx.execute(
        "UPDATE journal SET state = ?1, new_uid = coalesce(?2, new_uid), note = ?3 WHERE id = ?4",
        params![state.as_str(), new_uid.map(Uid::get), note, id],
    )
    .context("record a journal row")?;
    Ok(())
}

/// Later rows that name `(mailbox, provisional)` now name the server's UID.
fn rewrite_dependents(
    tx: &Transaction<'_>,
    mailbox: &str,
    provisional: Uid,
    uid: Uid,
) -> Result<()> {
    tx.execute(
        "UPDATE journal SET uid = ?1 WHERE mailbox = ?2 AND uid = ?3 \
         AND state IN ('pending', 'started')",
        params![uid.get(), mailbox, provisional.get()],
    )
    .context("rewrite journal rows")?;
    Ok(())
}

/// The cached row at `(mailbox, uid)`, if any.
fn row_id(tx: &Transaction<'_>, mailbox: &str, uid: Uid) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    tx.query_row(
        "SELECT m.id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id \
         WHERE b.name = ?1 AND m.uid = ?2",
        params![mailbox, uid.get()],
        |r| r.get(0),
    )
    .optional()
    .context("find a cached message")
}

impl Store {
    fn mark_started(&mut self, id: i64) -> Result<()> {
        self.conn
            .execute("UPDATE journal SET state = 'started' WHERE id = ?1", [id])
            .context("record a journal row")?;
        Ok(())
    }

    /// Drops a row; its provisional cache row (the local effect) goes too.
    fn drop_entry(&mut self, e: &JournalEntry, reason: &str) -> Result<()> {
        let tx = self.conn.transaction().context("drop a journal row")?;
        let place = match e.kind {
            ChangeKind::Move => e.target.as_deref().zip(e.provisional_uid),
            ChangeKind::Append => e.provisional_uid.map(|p| (e.mailbox.as_str(), p)),
            ChangeKind::Flag => None,
        };
        if let Some((mailbox, p)) = place {
            if let Some(row) = row_id(&tx, mailbox, p)? {
                delete_row(&tx, row)?;
            }
        }
        set_state(&tx, e.id, EntryState::Dropped, None, Some(reason))?;
        tx.commit().context("drop a journal row")
    }

    fn finish_move(
        &mut self,
        e: &JournalEntry,
        uid: Uid,
        new_uid: Option<(u32, Uid)>,
    ) -> Result<()> {
        let target = e.target.as_deref().unwrap_or_default();
        let tx = self.conn.transaction().context("record a replayed move")?;
        relocate(
            &tx,
            &Relocation {
                source: &e.mailbox,
                uid,
                target,
                provisional: e.provisional_uid.map(Uid::get),
                new_uid,
            },
        )?;
        if let (Some(p), Some((_, n))) = (e.provisional_uid, new_uid) {
            rewrite_dependents(&tx, target, p, n)?;
        }
        set_state(&tx, e.id, EntryState::Done, new_uid.map(|n| n.1), None)?;
        tx.commit().context("record a replayed move")
    }

    fn finish_append(&mut self, e: &JournalEntry, new_uid: Option<(u32, Uid)>) -> Result<()> {
        let tx = self
            .conn
            .transaction()
            .context("record a replayed append")?;
        if let Some(p) = e.provisional_uid {
            settle_provisional(&tx, &e.mailbox, p.get(), new_uid)?;
            if let Some((_, n)) = new_uid {
                rewrite_dependents(&tx, &e.mailbox, p, n)?;
            }
        }
        set_state(&tx, e.id, EntryState::Done, new_uid.map(|n| n.1), None)?;
        tx.commit().context("record a replayed append")
    }

    fn finish_flags(&mut self, e: &JournalEntry) -> Result<()> {
        let tx = self
            .conn
            .transaction()
            .context("record a replayed flag change")?;
        set_state(&tx, e.id, EntryState::Done, None, None)?;
        tx.commit().context("record a replayed flag change")
    }
}

/// Keeps track of the selected mailbox so consecutive rows do not re-select it.
struct Session<'c> {
    conn: &'c mut Connection,
    selected: Option<String>,
}

impl Session<'_> {
    async fn select(&mut self, name: &str) -> Result<Option<u32>> {
        let sel = self.conn.select(name, &MailboxState::default()).await?;
        self.selected = Some(name.to_owned());
        Ok(sel.uidvalidity.map(|v| v.0.get()))
    }

    async fn ensure_selected(&mut self, mailbox: &str) -> Result<()> {
        if self.selected.as_deref() != Some(mailbox) {
            self.select(mailbox).await?;
        }
        Ok(())
    }

    async fn exists(&mut self, mailbox: &str, uid: Uid) -> Result<bool> {
        self.ensure_selected(mailbox).await?;
        let set = UidSet::from_uids([uid]);
        Ok(!self.conn.existing_uids(&set).await?.is_empty())
    }

    /// The highest UID with `message_id` in `mailbox`, with the mailbox's UIDVALIDITY.
    async fn find(&mut self, mailbox: &str, message_id: &str) -> Result<Option<(u32, Uid)>> {
        let validity = self.select(mailbox).await?;
        let found = self.conn.uids_with_message_id(message_id).await?;
        Ok(validity.zip(found.last().copied()))
    }
}

/// Applies every pending journal row to the server over `conn`.
pub async fn replay(
    conn: &mut Connection,
    store: &mut Store,
    cancel: &CancellationToken,
) -> Result<ReplayReport> {
    let mut report = ReplayReport::default();
    let mut s = Session {
        conn,
        selected: None,
    };
    let ids: Vec<i64> = store.pending_changes()?.iter().map(|e| e.id).collect();
    for id in ids {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        // Read again: an earlier row may have rewritten this one's UID.
        let e = store.journal_entry(id)?;
        let outcome = match e.kind {
            ChangeKind::Move => replay_move(&mut s, store, &e).await?,
            ChangeKind::Flag => replay_flags(&mut s, store, &e).await?,
            ChangeKind::Append => replay_append(&mut s, store, &e).await?,
        };
        match &outcome {
            ReplayOutcome::Applied { .. } => report.applied += 1,
            ReplayOutcome::Dropped { .. } => report.dropped += 1,
        }
        report.notes.push(ReplayNote {
            id: e.id,
            kind: e.kind,
            mailbox: e.mailbox.clone(),
            target: e.target.clone(),
            message_id: e.message_id.clone(),
            outcome,
        });
    }
    Ok(report)
}

fn dropped(store: &mut Store, e: &JournalEntry, reason: String) -> Result<ReplayOutcome> {
    store.drop_entry(e, &reason)?;
    Ok(ReplayOutcome::Dropped { reason })
}

async fn replay_move(
    s: &mut Session<'_>,
    store: &mut Store,
    e: &JournalEntry,
) -> Result<ReplayOutcome> {
    let target = e.target.clone().unwrap_or_default();
    let uid = match e.uid {
        Some(u) if !is_provisional(u) => u,
        _ => {
            let reason = "an earlier change to this message did not reach the server".to_owned();
            return dropped(store, e, reason);
        }
    };
    let present = s.exists(&e.mailbox, uid).await?;
    if e.state == EntryState::Started && !present {
        // The move completed before an interruption; find where the message landed.
        let new_uid = s.find(&target, &e.message_id).await?;
        store.finish_move(e, uid, new_uid)?;
        return Ok(ReplayOutcome::Applied {
            new_uid: new_uid.map(|n| n.1),
        });
    }
    if !present {
        let reason = format!("the message is no longer in {} on the server", e.mailbox);
        return dropped(store, e, reason);
    }
    s.conn.ensure_folders(std::slice::from_ref(&target)).await?;
    s.ensure_selected(&e.mailbox).await?;
    let set = UidSet::from_uids([uid]);
    if e.state == EntryState::Started && !s.conn.capabilities().moves {
        // An interrupted COPY fallback may have left a copy in the target already.
        if let Some(found) = s.find(&target, &e.message_id).await? {
            s.ensure_selected(&e.mailbox).await?;
            s.conn.delete_uids(&set).await?;
            store.finish_move(e, uid, Some(found))?;
            return Ok(ReplayOutcome::Applied {
                new_uid: Some(found.1),
            });
        }
        s.ensure_selected(&e.mailbox).await?;
    }
    store.mark_started(e.id)?;
    let copy = s.conn.move_uids(&set, &target).await?;
    let mut new_uid = copy
        .as_ref()
        .and_then(|c| c.target_of(uid).map(|n| (c.uidvalidity, n)));
    if new_uid.is_none() {
        new_uid = s.find(&target, &e.message_id).await?;
    }
    store.finish_move(e, uid, new_uid)?;
    Ok(ReplayOutcome::Applied {
        new_uid: new_uid.map(|n| n.1),
    })
}

async fn replay_flags(
    s: &mut Session<'_>,
    store: &mut Store,
    e: &JournalEntry,
) -> Result<ReplayOutcome> {
    let uid = match e.uid {
        Some(u) if !is_provisional(u) => u,
        _ => {
            let reason = "an earlier change to this message did not reach the server".to_owned();
            return dropped(store, e, reason);
        }
    };
    if !s.exists(&e.mailbox, uid).await? {
        let reason = format!("the message is no longer in {} on the server", e.mailbox);
        return dropped(store, e, reason);
    }
    let set = UidSet::from_uids([uid]);
    s.conn
        .store_flags(&set, &e.add_flags, &e.remove_flags)
        .await?;
    store.finish_flags(e)?;
    Ok(ReplayOutcome::Applied { new_uid: None })
}

async fn replay_append(
    s: &mut Session<'_>,
    store: &mut Store,
    e: &JournalEntry,
) -> Result<ReplayOutcome> {
    s.conn
        .ensure_folders(std::slice::from_ref(&e.mailbox))
        .await?;
    if e.state == EntryState::Started {
        if let Some(found) = s.find(&e.mailbox, &e.message_id).await? {
            store.finish_append(e, Some(found))?;
            return Ok(ReplayOutcome::Applied {
                new_uid: Some(found.1),
            });
        }
    }
    let raw = store.journal_raw(e.id)?;
    store.mark_started(e.id)?;
    let mut new_uid = s
        .conn
        .append_message(&e.mailbox, &e.add_flags, &raw)
        .await?;
    if new_uid.is_none() {
        new_uid = s.find(&e.mailbox, &e.message_id).await?;
    }
    store.finish_append(e, new_uid)?;
    Ok(ReplayOutcome::Applied {
        new_uid: new_uid.map(|n| n.1),
    })
}
