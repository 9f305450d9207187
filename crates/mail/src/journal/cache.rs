//! Cache rows changed by local changes and by their replay, inside the caller's
//! transaction (the journal row and the cache change must commit together).
//!
//! Invariant: a message row is deleted together with its FTS row; a moved row keeps its
//! `sort_key`, so its FTS row (keyed by it) stays right without rewriting.

use rusqlite::{params, OptionalExtension, Transaction};

use super::mailbox_row;
use crate::error::{Context, Result};
use crate::message::ParsedMessage;
use crate::segment::for_index;
use crate::store::sort_key_floor;
use crate::thread::Linker;
use crate::types::{Address, Flags, Uid};

/// Bits of `sort_key` below the date, as the store lays them out.
const SORT_SPAN: i64 = 1 << 10;

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

/// A `sort_key` for `date` not yet taken, below every key when the second is full.
fn free_sort_key(tx: &Transaction<'_>, date: i64, seed: u64) -> Result<i64> {
    let base = sort_key_floor(date);
    let mut taken = tx
        .prepare_cached("SELECT 1 FROM messages WHERE sort_key = ?1")
        .context("pick a sort key")?;
    let start = (seed % SORT_SPAN as u64) as i64;
    for i in 0..SORT_SPAN {
        let key = base + (start + i) % SORT_SPAN;
        if !taken.exists([key]).context("pick a sort key")? {
            return Ok(key);
        }
    }
    tx.query_row(
        "SELECT coalesce(min(sort_key), 0) - 1 FROM messages",
        [],
        |r| r.get(0),
    )
    .context("pick a sort key")
}

fn addresses<'a>(list: impl IntoIterator<Item = &'a Address>) -> String {
    let mut out = String::new();
    for a in list {
        if let Some(n) = &a.name {
            out.push_str(n);
            out.push(' ');
        }
        out.push_str(&a.addr);
        out.push_str(" ; ");
    }
    out
}

/// Inserts a message written locally (a draft) with its index row and thread link.
pub(crate) fn insert_local(
    tx: &Transaction<'_>,
    mailbox_id: i64,
    uid: u32,
    flags: &Flags,
    parsed: &ParsedMessage,
    size: usize,
) -> Result<()> {
    let meta = &parsed.meta;
    let date = meta.date.unwrap_or(0);
    let seed = crate::digest::fnv1a64(meta.message_id.as_bytes());
    let sort_key = free_sort_key(tx, date, seed)?;
    let thread = Linker::new(tx)?.link(tx, meta)?;
    let (from_name, from_addr, from_domain) = match &meta.from {
        Some(a) => (a.name.clone(), a.addr.clone(), a.domain().to_owned()),
        None => (None, String::new(), String::new()),
    };
    let to_json = serde_json::to_string(&meta.to).unwrap_or_else(|_| "[]".to_owned());
    let cc_json = serde_json::to_string(&meta.cc).unwrap_or_else(|_| "[]".to_owned());
    tx.execute(
        "INSERT INTO messages(mailbox_id, uid, flags, keywords, date, internal_date, size, \
         message_id, synthetic_id, in_reply_to, refs, subject, from_name, from_addr, \
         from_domain, to_json, cc_json, list_id, automated, has_attachment, has_body, \
         thread_id, sort_key) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, \
         ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
        params![
            mailbox_id,
            uid,
            flags.bits(),
            flags.keywords_text(),
            date,
            size as i64,
            meta.message_id,
            meta.message_id_synthetic,
            meta.in_reply_to.join(" "),
            meta.references.join(" "),
            meta.subject,
            from_name,
            from_addr,
            from_domain,
            to_json,
            cc_json,
            meta.list_id,
            meta.automated,
            meta.has_attachment,
            parsed.body_text.is_some(),
            thread,
            sort_key,
        ],
    )
    .context("store a local message")?;
    let id = tx.last_insert_rowid();
    let body = parsed.body_text.as_deref().unwrap_or("");
    if parsed.body_text.is_some() {
        tx.execute(
            "INSERT OR REPLACE INTO bodies(message_id, text) VALUES (?1, ?2)",
            params![id, body],
        )
        .context("store a local message")?;
    }
    tx.execute(
        "INSERT INTO fts(rowid, subject, sender, recipient_to, recipient_cc, body) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            sort_key,
            for_index(&meta.subject),
            for_index(&addresses(meta.from.as_ref())),
            for_index(&addresses(&meta.to)),
            for_index(&addresses(&meta.cc)),
            for_index(body)
        ],
    )
    .context("index a local message")?;
    Ok(())
}
