//! Writes into the cache, shaped for the IMAP sync: batches keyed by (mailbox, uid).
//!
//! Invariants: each call is one transaction (a [`HeaderGroup`] is one for several
//! batches). A message row and its thread links are
//! written together, and so is its FTS row, written explicitly (per-row triggers cost
//! 3–4× at 300K messages) or, for a header sync, listed for the bulk build of
//! [`super::index`]. Header fields of an existing (mailbox, uid) are never rewritten,
//! because IMAP messages are immutable under one UIDVALIDITY; an upsert of a known uid
//! updates flags and mod-sequence only.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::index::{is_pending, mark_pending, unmark_pending, write_index, IndexRow};
use super::Store;
use crate::error::{Context, Error, Result};
use crate::message::MessageMeta;
use crate::thread::Linker;
use crate::types::{Address, Flags, MailboxId, MailboxRole, ModSeq, Uid, UidValidity};

/// Header dates outside 1970..2100 are treated as unreadable.
const LATEST_DATE: i64 = 4_102_444_800;
/// Bits of `sort_key` below the date: a tiebreak among messages of the same second.
/// Few bits keep FTS doclists small (their rowid deltas are varints).
pub(crate) const SORT_SHIFT: u32 = 10;

/// The first `sort_key` of a date; keys of one second span `1 << SORT_SHIFT` values.
pub(crate) fn sort_key_floor(date: i64) -> i64 {
    date.clamp(0, (1 << 50) - 1) << SORT_SHIFT
}

/// Whether new rows are indexed at once or listed for the bulk build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Indexing {
    Now,
    Deferred,
}

/// A message to cache: what the sync fetched plus the parsed header block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    pub uid: Uid,
    pub flags: Flags,
    pub modseq: Option<ModSeq>,
    /// INTERNALDATE in Unix seconds, used when the Date header is missing or bad.
    pub internal_date: Option<i64>,
    pub size: Option<u32>,
    pub meta: MessageMeta,
    /// Present when the whole message was fetched.
    pub body_text: Option<String>,
}

/// What an upsert did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsertReport {
    pub inserted: usize,
    pub updated: usize,
}

/// New flags of a cached message (from FETCH FLAGS or CONDSTORE CHANGEDSINCE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagUpdate {
    pub uid: Uid,
    pub flags: Flags,
    pub modseq: Option<ModSeq>,
}

/// A body fetched after its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyUpdate {
    pub uid: Uid,
    pub text: String,
    /// From BODYSTRUCTURE or the MIME parse; `None` keeps what is stored.
    pub has_attachment: Option<bool>,
}

/// The sync state of a mailbox as last seen on the server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MailboxState {
    pub uidvalidity: Option<UidValidity>,
    pub uidnext: Option<Uid>,
    pub highestmodseq: Option<ModSeq>,
}

impl Store {
    /// The id of mailbox `name`, created when new. A given role replaces the stored one.
    pub fn ensure_mailbox(&mut self, name: &str, role: Option<MailboxRole>) -> Result<MailboxId> {
        self.conn
            .execute(
                "INSERT INTO mailboxes(name, role) VALUES (?1, ?2) \
                 ON CONFLICT(name) DO UPDATE SET role = coalesce(excluded.role, role)",
                params![name, role.map(MailboxRole::as_str)],
            )
            .context("add a mailbox")?;
        self.conn
            .query_row("SELECT id FROM mailboxes WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .map(MailboxId)
            .context("add a mailbox")
    }

    /// Renames a mailbox, keeping its messages (their UIDs survive a RENAME).
    pub fn rename_mailbox(&mut self, id: MailboxId, new_name: &str) -> Result<()> {
        let n = self
            .conn
            .execute(
                "UPDATE mailboxes SET name = ?1 WHERE id = ?2",
                params![new_name, id.0],
            )
            .context("rename a mailbox")?;
        if n == 0 {
            return Err(Error::NoMailbox(id.0));
        }
        Ok(())
    }

    /// Removes a mailbox and everything cached in it.
    pub fn delete_mailbox(&mut self, id: MailboxId) -> Result<()> {
        let tx = self.conn.transaction().context("delete a mailbox")?;
        clear(&tx, id)?;
        tx.execute("DELETE FROM mailboxes WHERE id = ?1", [id.0])
            .context("delete a mailbox")?;
        tx.commit().context("delete a mailbox")
    }

    /// Drops every message of a mailbox and its sync state, for a UIDVALIDITY change.
    pub fn clear_mailbox(&mut self, id: MailboxId) -> Result<()> {
        let tx = self.conn.transaction().context("clear a mailbox")?;
        clear(&tx, id)?;
        tx.execute(
            "UPDATE mailboxes SET uidvalidity = NULL, uidnext = NULL, highestmodseq = NULL \
             WHERE id = ?1",
            [id.0],
        )
        .context("clear a mailbox")?;
        tx.commit().context("clear a mailbox")
    }

    pub fn set_mailbox_state(&mut self, id: MailboxId, state: &MailboxState) -> Result<()> {
        save_mailbox_state(&self.conn, id, state)
    }

    /// Inserts new (mailbox, uid) pairs with their FTS rows and thread links; for known
    /// ones, updates flags and mod-sequence (and a body that was missing).
    pub fn upsert_messages(
        &mut self,
        mailbox: MailboxId,
        batch: &[NewMessage],
    ) -> Result<UpsertReport> {
        self.upsert(mailbox, batch, Indexing::Now)
    }

    /// [`Store::upsert_messages`] as a header sync stores: new rows are listed for
    /// [`Store::index_pending`] instead of being indexed one by one.
    #[cfg(test)]
    pub(crate) fn store_headers(
        &mut self,
        mailbox: MailboxId,
        batch: &[NewMessage],
    ) -> Result<UpsertReport> {
        self.upsert(mailbox, batch, Indexing::Deferred)
    }

    fn upsert(
        &mut self,
        mailbox: MailboxId,
        batch: &[NewMessage],
        indexing: Indexing,
    ) -> Result<UpsertReport> {
        let tx = self.conn.transaction().context("begin a message batch")?;
        let report = upsert_in(&tx, mailbox, batch, indexing)?;
        tx.commit().context("commit a message batch")?;
        Ok(report)
    }

    /// Opens a transaction for several header batches of one mailbox (see
    /// [`HeaderGroup`]).
    pub(crate) fn header_group(&mut self, mailbox: MailboxId) -> Result<HeaderGroup<'_>> {
        let tx = self.conn.transaction().context("begin a message batch")?;
        Ok(HeaderGroup { tx, mailbox })
    }

    /// Applies new flags; unknown uids are ignored. Returns how many rows changed.
    pub fn update_flags(&mut self, mailbox: MailboxId, updates: &[FlagUpdate]) -> Result<usize> {
        let tx = self.conn.transaction().context("begin a flag update")?;
        let mut n = 0;
        for u in updates {
            n += tx
                .prepare_cached(
                    "UPDATE messages SET flags = ?1, keywords = ?2, modseq = coalesce(?3, modseq) \
                     WHERE mailbox_id = ?4 AND uid = ?5",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        u.flags.bits(),
                        u.flags.keywords_text(),
                        u.modseq.map(|m| m.0.get() as i64),
                        mailbox.0,
                        u.uid.get()
                    ])
                })
                .context("update flags")?;
        }
        tx.commit().context("commit a flag update")?;
        Ok(n)
    }

    /// Forgets expunged uids (VANISHED or a UID diff). Returns how many were cached.
    pub fn remove_uids(&mut self, mailbox: MailboxId, uids: &[Uid]) -> Result<usize> {
        let tx = self.conn.transaction().context("begin removing messages")?;
        let mut n = 0;
        for uid in uids {
            let id: Option<(i64, i64)> = tx
                .prepare_cached(
                    "SELECT id, sort_key FROM messages WHERE mailbox_id = ?1 AND uid = ?2",
                )
                .and_then(|mut s| {
                    s.query_row(params![mailbox.0, uid.get()], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()
                })
                .context("look up a removed message")?;
            if let Some((id, key)) = id {
                if !unmark_pending(&tx, key)? {
                    tx.prepare_cached("DELETE FROM fts WHERE rowid = ?1")
                        .and_then(|mut s| s.execute([key]))
                        .context("remove a message from the index")?;
                }
                tx.prepare_cached("DELETE FROM messages WHERE id = ?1")
                    .and_then(|mut s| s.execute([id]))
                    .context("remove a message")?;
                n += 1;
            }
        }
        tx.commit().context("commit removing messages")?;
        Ok(n)
    }

    /// Stores bodies fetched after their headers and re-indexes those messages.
    pub fn set_bodies(&mut self, mailbox: MailboxId, bodies: &[BodyUpdate]) -> Result<usize> {
        let tx = self.conn.transaction().context("begin a body batch")?;
        let mut n = 0;
        for b in bodies {
            let id: Option<i64> = tx
                .prepare_cached("SELECT id FROM messages WHERE mailbox_id = ?1 AND uid = ?2")
                .and_then(|mut s| {
                    s.query_row(params![mailbox.0, b.uid.get()], |r| r.get(0))
                        .optional()
                })
                .context("look up a message for its body")?;
            if let Some(id) = id {
                write_body(&tx, id, &b.text, b.has_attachment)?;
                n += 1;
            }
        }
        tx.commit().context("commit a body batch")?;
        Ok(n)
    }
}

/// Header batches of one mailbox stored in one transaction, each with the mailbox's sync
/// state that covers it. A sync commits a group every few seconds instead of every batch:
/// with ten indexes keyed in random order, each commit writes most of the index pages it
/// touched, so larger transactions write each page once for many rows (measured at 300,000
/// messages: ≈37 µs a row with 2,000-row transactions, ≈20 µs with 50,000). Dropping the
/// group without [`HeaderGroup::commit`] rolls it back, state included, so a resumed sync
/// fetches those batches again.
pub(crate) struct HeaderGroup<'s> {
    tx: Transaction<'s>,
    mailbox: MailboxId,
}

impl HeaderGroup<'_> {
    /// Stores a batch of fetched headers (new rows listed for the bulk index build) and
    /// the state that covers it.
    pub(crate) fn store(
        &mut self,
        batch: &[NewMessage],
        state: &MailboxState,
    ) -> Result<UpsertReport> {
        let report = upsert_in(&self.tx, self.mailbox, batch, Indexing::Deferred)?;
        save_mailbox_state(&self.tx, self.mailbox, state)?;
        Ok(report)
    }

    pub(crate) fn commit(self) -> Result<()> {
        self.tx.commit().context("commit a message batch")
    }
}

fn save_mailbox_state(conn: &Connection, id: MailboxId, state: &MailboxState) -> Result<()> {
    let n = conn
        .prepare_cached(
            "UPDATE mailboxes SET uidvalidity = ?1, uidnext = ?2, highestmodseq = ?3 \
             WHERE id = ?4",
        )
        .and_then(|mut s| {
            s.execute(params![
                state.uidvalidity.map(|v| v.0.get()),
                state.uidnext.map(Uid::get),
                state.highestmodseq.map(|m| m.0.get() as i64),
                id.0
            ])
        })
        .context("save a mailbox's sync state")?;
    if n == 0 {
        return Err(Error::NoMailbox(id.0));
    }
    Ok(())
}

/// Inserts new (mailbox, uid) pairs with their thread links and index rows (or pending
/// marks); for known ones, updates flags and mod-sequence (and a body that was missing).
fn upsert_in(
    tx: &Transaction<'_>,
    mailbox: MailboxId,
    batch: &[NewMessage],
    indexing: Indexing,
) -> Result<UpsertReport> {
    let mut linker = Linker::new(tx)?;
    let mut report = UpsertReport::default();
    for m in batch {
        let uid = m.uid;
        let existing: Option<(i64, bool)> = tx
            .prepare_cached("SELECT id, has_body FROM messages WHERE mailbox_id = ?1 AND uid = ?2")
            .and_then(|mut s| {
                s.query_row(params![mailbox.0, uid.get()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
            })
            .context("look up a cached message")?;
        match existing {
            Some((id, has_body)) => {
                update_flags_row(tx, id, &m.flags, m.modseq)?;
                if let (false, Some(text)) = (has_body, &m.body_text) {
                    write_body(tx, id, text, Some(m.meta.has_attachment))?;
                }
                report.updated += 1;
            }
            None => {
                let thread = linker.link(tx, &m.meta)?;
                insert(tx, mailbox, uid, m, thread, indexing)?;
                report.inserted += 1;
            }
        }
    }
    Ok(report)
}

fn clear(tx: &Transaction<'_>, id: MailboxId) -> Result<()> {
    tx.execute(
        "DELETE FROM fts WHERE rowid IN (SELECT sort_key FROM messages WHERE mailbox_id = ?1 \
         AND sort_key NOT IN (SELECT sort_key FROM fts_pending))",
        [id.0],
    )
    .context("remove a mailbox from the index")?;
    tx.execute("DELETE FROM messages WHERE mailbox_id = ?1", [id.0])
        .context("remove a mailbox's messages")?;
    Ok(())
}

fn update_flags_row(
    tx: &Transaction<'_>,
    id: i64,
    flags: &Flags,
    modseq: Option<ModSeq>,
) -> Result<()> {
    tx.prepare_cached("UPDATE messages SET flags = ?1, keywords = ?2, modseq = coalesce(?3, modseq) WHERE id = ?4")
        .and_then(|mut s| s.execute(params![flags.bits(), flags.keywords_text(), modseq.map(|m| m.0.get() as i64), id]))
        .context("update flags")?;
    Ok(())
}

/// Inserts one message made locally (a draft) with its body, index row and thread link,
/// the same way the sync stores fetched mail.
pub(crate) fn insert_local(tx: &Transaction<'_>, mailbox: MailboxId, m: &NewMessage) -> Result<()> {
    let thread = Linker::new(tx)?.link(tx, &m.meta)?;
    insert(tx, mailbox, m.uid, m, thread, Indexing::Now)
}

fn insert(
    tx: &Transaction<'_>,
    mailbox: MailboxId,
    uid: Uid,
    m: &NewMessage,
    thread: i64,
    indexing: Indexing,
) -> Result<()> {
    let meta = &m.meta;
    let date = meta
        .date
        .filter(|d| (0..LATEST_DATE).contains(d))
        .or(m.internal_date)
        .unwrap_or(0);
    let (from_name, from_addr, from_domain) = match &meta.from {
        Some(a) => (a.name.clone(), a.addr.clone(), a.domain().to_owned()),
        None => (None, String::new(), String::new()),
    };
    let sort_key = free_sort_key(tx, date, mailbox, uid)?;
    let to_json = serde_json::to_string(&meta.to).unwrap_or_else(|_| "[]".to_owned());
    let cc_json = serde_json::to_string(&meta.cc).unwrap_or_else(|_| "[]".to_owned());
    // `automated` is the effective class: a known sender's class or a person's override
    // when there is one (one primary-key probe), else the header verdict; a sender's
    // first messages follow its class once `crate::senders` has decided it.
    tx.prepare_cached(
        "INSERT INTO messages(mailbox_id, uid, modseq, flags, keywords, date, internal_date, size, \
         message_id, synthetic_id, in_reply_to, refs, subject, from_name, from_addr, from_domain, \
         to_json, cc_json, list_id, automated, has_attachment, has_body, thread_id, sort_key, \
         header_automated) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
         ?19, coalesce((SELECT CASE WHEN override = 'person' THEN 0 \
             WHEN coalesce(override, kind) = 'machine' THEN 1 END \
             FROM senders WHERE addr = ?15), ?20), ?21, ?22, ?23, ?24, ?20)",
    )
    .and_then(|mut s| {
        s.execute(params![
            mailbox.0,
            uid.get(),
            m.modseq.map(|v| v.0.get() as i64),
            m.flags.bits(),
            m.flags.keywords_text(),
            date,
            m.internal_date,
            m.size,
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
            m.body_text.is_some(),
            thread,
            sort_key,
        ])
    })
    .context("insert a message")?;
    let id = tx.last_insert_rowid();
    if let Some(text) = &m.body_text {
        tx.prepare_cached("INSERT OR REPLACE INTO bodies(message_id, text) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![id, clean_text_body(text)]))
            .context("store a body")?;
    }
    if indexing == Indexing::Deferred {
        return mark_pending(tx, sort_key);
    }
    let row = IndexRow {
        subject: &meta.subject,
        sender: meta.from.as_ref(),
        to: &meta.to,
        cc: &meta.cc,
        body: m.body_text.as_deref().unwrap_or(""),
    };
    write_index(tx, sort_key, &row, false)
}

/// A `sort_key` for `date` not yet taken: a slot of that second picked by a hash of
/// (mailbox, uid), else the slot after the highest taken one of that second. When that
/// is the last slot (only floods of undated mail get there), the key goes below every other key: such mail sorts as oldest, and
/// its `date` column stays right.
fn free_sort_key(tx: &Transaction<'_>, date: i64, mailbox: MailboxId, uid: Uid) -> Result<i64> {
    let span = 1i64 << SORT_SHIFT;
    let seed = crate::digest::fnv1a64(
        &[mailbox.0.to_le_bytes(), i64::from(uid.get()).to_le_bytes()].concat(),
    );
    let base = sort_key_floor(date);
    let first = base + (seed % span as u64) as i64;
    let taken = tx
        .prepare_cached("SELECT 1 FROM messages WHERE sort_key = ?1")
        .and_then(|mut s| s.exists([first]))
        .context("pick a sort key")?;
    if !taken {
        return Ok(first);
    }
    let highest: i64 = tx
        .prepare_cached("SELECT max(sort_key) FROM messages WHERE sort_key >= ?1 AND sort_key < ?2")
        .and_then(|mut s| s.query_row([base, base + span], |r| r.get(0)))
        .context("pick a sort key")?;
    if highest + 1 < base + span {
        return Ok(highest + 1);
    }
    tx.query_row(
        "SELECT coalesce(min(sort_key), 0) - 1 FROM messages",
        [],
        |r| r.get(0),
    )
    .context("pick a sort key")
}

fn clean_text_body(text: &str) -> String {
    text.chars()
        .map(|c| if c == '\0' { ' ' } else { c })
        .collect()
}

fn write_body(
    tx: &Transaction<'_>,
    id: i64,
    text: &str,
    has_attachment: Option<bool>,
) -> Result<()> {
    let text = clean_text_body(text);
    tx.prepare_cached("INSERT OR REPLACE INTO bodies(message_id, text) VALUES (?1, ?2)")
        .and_then(|mut s| s.execute(params![id, text]))
        .context("store a body")?;
    tx.prepare_cached("UPDATE messages SET has_body = 1, has_attachment = coalesce(?1, has_attachment) WHERE id = ?2")
        .and_then(|mut s| s.execute(params![has_attachment, id]))
        .context("store a body")?;
    let key: i64 = tx
        .prepare_cached("SELECT sort_key FROM messages WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)))
        .context("re-index a message")?;
    // A row waiting for the bulk build gets its body indexed by that build.
    if is_pending(tx, key)? {
        return Ok(());
    }
    type Stored = (String, Option<String>, String, String, String);
    let (subject, from_name, from_addr, to_json, cc_json): Stored = tx
        .prepare_cached(
            "SELECT subject, from_name, from_addr, to_json, cc_json FROM messages WHERE id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
        })
        .context("re-index a message")?;
    let sender = Address {
        name: from_name,
        addr: from_addr,
    };
    let to: Vec<Address> = serde_json::from_str(&to_json).unwrap_or_default();
    let cc: Vec<Address> = serde_json::from_str(&cc_json).unwrap_or_default();
    let row = IndexRow {
        subject: &subject,
        sender: Some(&sender),
        to: &to,
        cc: &cc,
        body: &text,
    };
    write_index(tx, key, &row, true)
}
