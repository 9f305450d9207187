//! Cache rows changed by local changes and by their replay, inside the caller's
//! transaction (the journal row and the cache change must commit together).
//!
//! Invariant: a message row is deleted together with its FTS row; a moved row keeps its
//! `sort_key`, so its FTS row (keyed by it) stays right without rewriting.

use rusqlite::{params, OptionalExtension, Transaction};

use super::mailbox_row;
use crate::error::{Context, Error, Result};
use crate::message::ParsedMessage;
use crate::store::NewMessage;
use crate::types::{Flags, MailboxId, Uid};

/// The row (id) of `uid` in mailbox `name`.
fn row_at(tx: &Transaction<'_>, name: &str, uid: u32) -> Result<Option<i64>> {
    tx.query_row(
        "SELECT m.id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id \
         WHERE b.name = ?1 AND m.uid = ?2",
        params![name, uid],
        |r| r.get(0),
    )
    .optional()
    .context("find a cached message")
}

/// Removes a message row and its index row.
pub(crate) fn delete_row(tx: &Transaction<'_>, id: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM fts WHERE rowid = (SELECT sort_key FROM messages WHERE id = ?1)",
        [id],
    )
    .context("remove a message from the index")?;
    tx.execute("DELETE FROM messages WHERE id = ?1", [id])
        .context("remove a message")?;
    Ok(())
}

/// A message that the server moved from `(source, uid)` to `target`.
pub(crate) struct Relocation<'a> {
    pub source: &'a str,
    pub uid: Uid,
    pub target: &'a str,
    /// The row's provisional UID in `target`, for a move made offline.
    pub provisional: Option<u32>,
    /// The UID in `target` from COPYUID, with the UIDVALIDITY it belongs to.
    pub new_uid: Option<(u32, Uid)>,
}

/// Puts the cached row of a moved message where the server now has it. Without a usable
/// new UID the row is dropped: the next sync of `target` fetches the message again,
/// which is slower but never wrong.
pub(crate) fn relocate(tx: &Transaction<'_>, r: &Relocation<'_>) -> Result<()> {
    let ours = match r.provisional {
        Some(p) => row_at(tx, r.target, p)?,
        None => None,
    };
    let at_source = row_at(tx, r.source, r.uid.get())?;
    let row = match (ours, at_source) {
        (Some(row), Some(stale)) => {
            // A sync re-added the message in its old folder before the move reached
            // the server; the server no longer has it there.
            delete_row(tx, stale)?;
            row
        }
        (Some(row), None) | (None, Some(row)) => row,
        (None, None) => return Ok(()),
    };
    let target_id = mailbox_row(tx, r.target)?;
    let cached_validity: Option<u32> = tx
        .query_row(
            "SELECT uidvalidity FROM mailboxes WHERE id = ?1",
            [target_id],
            |r| r.get(0),
        )
        .context("read a mailbox's sync state")?;
    let usable = match (r.new_uid, cached_validity) {
        (Some((v, uid)), Some(c)) if v == c => Some(uid),
        (Some((_, uid)), None) => Some(uid),
        _ => None,
    };
    let Some(uid) = usable else {
        return delete_row(tx, row);
    };
    if let Some(existing) = row_at(tx, r.target, uid.get())? {
        if existing != row {
            // The sync already brought the message in under its new UID.
            return delete_row(tx, row);
        }
        return Ok(());
    }
    tx.execute(
        "UPDATE messages SET mailbox_id = ?1, uid = ?2 WHERE id = ?3",
        params![target_id, uid.get(), row],
    )
    .context("move a message in the cache")?;
    Ok(())
}

/// Gives a provisional row its server UID (from APPENDUID), or drops it when the UID is
/// not known (the next sync fetches the message).
pub(crate) fn settle_provisional(
    tx: &Transaction<'_>,
    mailbox: &str,
    provisional: u32,
    new_uid: Option<(u32, Uid)>,
) -> Result<()> {
    let Some(row) = row_at(tx, mailbox, provisional)? else {
        return Ok(());
    };
    let mailbox_id = mailbox_row(tx, mailbox)?;
    let cached_validity: Option<u32> = tx
        .query_row(
            "SELECT uidvalidity FROM mailboxes WHERE id = ?1",
            [mailbox_id],
            |r| r.get(0),
        )
        .context("read a mailbox's sync state")?;
    let uid = match (new_uid, cached_validity) {
        (Some((v, uid)), Some(c)) if v == c => uid,
        (Some((_, uid)), None) => uid,
        _ => return delete_row(tx, row),
    };
    if row_at(tx, mailbox, uid.get())?.is_some() {
        return delete_row(tx, row);
    }
    tx.execute(
        "UPDATE messages SET uid = ?1 WHERE id = ?2",
        params![uid.get(), row],
    )
    .context("settle a message's UID")?;
    Ok(())
}

/// Inserts a message written locally (a draft) through the store's own insert path.
pub(crate) fn insert_local(
    tx: &Transaction<'_>,
    mailbox_id: i64,
    uid: u32,
    flags: &Flags,
    parsed: &ParsedMessage,
    size: usize,
) -> Result<()> {
    let uid = Uid::new(uid).ok_or(Error::NoMessage(i64::from(uid)))?;
    let message = NewMessage {
        uid,
        flags: flags.clone(),
        modseq: None,
        internal_date: parsed.meta.date,
        size: u32::try_from(size).ok(),
        meta: parsed.meta.clone(),
        body_text: parsed.body_text.clone(),
    };
    crate::store::insert_local(tx, MailboxId(mailbox_id), &message)
}
