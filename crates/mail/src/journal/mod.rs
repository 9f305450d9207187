//! The offline journal: every local change (move, flag, draft) updates the cache and
//! appends a row to `journal` in the same transaction, so the user sees the change at
//! once, with or without a server. [`replay`] later applies pending rows to the server.
//!
//! Invariants:
//! - A change and its journal row commit together or not at all.
//! - A message moved or written offline gets a *provisional* UID in its new mailbox
//!   (`u32::MAX - row id`, at or above [`PROVISIONAL_FLOOR`], a range no real server
//!   reaches), so the cache's `(mailbox, uid)` key stays unique. Replay swaps it for the
//!   server's UID from COPYUID/APPENDUID (RFC 4315), in the same transaction that marks
//!   the row done, and rewrites later rows that named the provisional UID.
//! - Rows move `pending -> started -> done | dropped`. `started` is committed before the
//!   command is sent, so after a crash a `started` row is reconciled against the server
//!   (is the UID still in the source? is the Message-ID in the target?) instead of being
//!   sent again: nothing is lost and nothing is applied twice.

mod cache;
mod replay;

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

pub(crate) use cache::{insert_local, relocate, Relocation};
pub use replay::{replay, ReplayNote, ReplayOutcome, ReplayReport};

use crate::error::{Context, Error, Result};
use crate::store::Store;
use crate::types::{Flags, MessageId, Uid};

/// UIDs at or above this are provisional: given by the cache, unknown to the server.
pub const PROVISIONAL_FLOOR: u32 = 0xF000_0000;

/// The provisional UID of journal row `id`.
pub(crate) fn provisional_uid(id: i64) -> u32 {
    let offset = u32::try_from(id).unwrap_or(u32::MAX) % (u32::MAX - PROVISIONAL_FLOOR);
    u32::MAX - offset
}

/// True for a UID the server never gave.
pub fn is_provisional(uid: Uid) -> bool {
    uid.get() >= PROVISIONAL_FLOOR
}

/// What a journal row changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Move `uid` of `mailbox` to `target`.
    Move,
    /// Add and remove flags of `uid` in `mailbox`.
    Flag,
    /// Append `raw` to `mailbox` (a draft).
    Append,
}

impl ChangeKind {
    fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Move => "move",
            ChangeKind::Flag => "flag",
            ChangeKind::Append => "append",
        }
    }

    fn parse(s: &str) -> ChangeKind {
        match s {
            "move" => ChangeKind::Move,
            "flag" => ChangeKind::Flag,
            _ => ChangeKind::Append,
        }
    }
}

/// Where a journal row stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    Pending,
    /// Sent (or about to be); the outcome is unknown until reconciled.
    Started,
    Done,
    /// Not applicable any more (e.g. the message is gone); `note` says why.
    Dropped,
}

impl EntryState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EntryState::Pending => "pending",
            EntryState::Started => "started",
            EntryState::Done => "done",
            EntryState::Dropped => "dropped",
        }
    }

    fn parse(s: &str) -> EntryState {
        match s {
            "started" => EntryState::Started,
            "done" => EntryState::Done,
            "dropped" => EntryState::Dropped,
            _ => EntryState::Pending,
        }
    }
}

/// One journal row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub id: i64,
    pub created: i64,
    pub kind: ChangeKind,
    /// The source mailbox of a move, the mailbox of a flag change, the target of an append.
    pub mailbox: String,
    /// The message's UID in `mailbox` (none for an append).
    pub uid: Option<Uid>,
    pub message_id: String,
    pub target: Option<String>,
    /// The UID the cache gave the message in its new mailbox until the server's is known.
    pub provisional_uid: Option<Uid>,
    pub add_flags: Vec<String>,
    pub remove_flags: Vec<String>,
    pub state: EntryState,
    /// The server's UID in the new mailbox, once known.
    pub new_uid: Option<Uid>,
    pub note: Option<String>,
}

const ENTRY_COLUMNS: &str = "id, created, kind, mailbox, uid, message_id, target, \
     provisional_uid, add_flags, remove_flags, state, new_uid, note";

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<JournalEntry> {
    let uid =
        |i| -> rusqlite::Result<Option<Uid>> { Ok(r.get::<_, Option<u32>>(i)?.and_then(Uid::new)) };
    let words = |i| -> rusqlite::Result<Vec<String>> {
        Ok(r.get::<_, String>(i)?
            .split_whitespace()
            .map(str::to_owned)
            .collect())
    };
    Ok(JournalEntry {
        id: r.get(0)?,
        created: r.get(1)?,
        kind: ChangeKind::parse(&r.get::<_, String>(2)?),
        mailbox: r.get(3)?,
        uid: uid(4)?,
        message_id: r.get(5)?,
        target: r.get(6)?,
        provisional_uid: uid(7)?,
        add_flags: words(8)?,
        remove_flags: words(9)?,
        state: EntryState::parse(&r.get::<_, String>(10)?),
        new_uid: uid(11)?,
        note: r.get(12)?,
    })
}

/// The cached row of a message: (mailbox id, mailbox name, uid, message-id, flags, keywords).
type Located = (i64, String, u32, String, i64, String);

fn locate(tx: &Transaction<'_>, id: MessageId) -> Result<Located> {
    tx.query_row(
        "SELECT m.mailbox_id, b.name, m.uid, m.message_id, m.flags, m.keywords \
         FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE m.id = ?1",
        [id.0],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )
    .optional()
    .context("find a message to change")?
    .ok_or(Error::NoMessage(id.0))
}

/// The id of mailbox `name` in the cache, created (without sync state) when missing.
pub(crate) fn mailbox_row(tx: &Transaction<'_>, name: &str) -> Result<i64> {
    tx.execute("INSERT OR IGNORE INTO mailboxes(name) VALUES (?1)", [name])
        .context("add a mailbox")?;
    tx.query_row("SELECT id FROM mailboxes WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .context("add a mailbox")
}

/// Applies flag names (`\Seen`, `$Junk`) to `flags`.
pub(crate) fn apply_flag_names(flags: &mut Flags, add: &[String], remove: &[String]) {
    let added = Flags::from_imap(add.iter().map(String::as_str));
    let removed = Flags::from_imap(remove.iter().map(String::as_str));
    flags.seen = (flags.seen || added.seen) && !removed.seen;
    flags.answered = (flags.answered || added.answered) && !removed.answered;
    flags.flagged = (flags.flagged || added.flagged) && !removed.flagged;
    flags.deleted = (flags.deleted || added.deleted) && !removed.deleted;
    flags.draft = (flags.draft || added.draft) && !removed.draft;
    for k in added.keywords {
        if !flags.keywords.iter().any(|x| x.eq_ignore_ascii_case(&k)) {
            flags.keywords.push(k);
        }
    }
    flags
        .keywords
        .retain(|k| !removed.keywords.iter().any(|r| r.eq_ignore_ascii_case(k)));
}

/// Normalises user flag names: `seen` -> `\Seen`; keywords are kept as written.
pub fn flag_name(name: &str) -> String {
    match name.trim_start_matches('\\').to_ascii_lowercase().as_str() {
        "seen" | "read" => "\\Seen".to_owned(),
        "answered" | "replied" => "\\Answered".to_owned(),
        "flagged" | "starred" => "\\Flagged".to_owned(),
        "deleted" => "\\Deleted".to_owned(),
        "draft" => "\\Draft".to_owned(),
        _ => name.to_owned(),
    }
}

impl Store {
    /// Moves a cached message to `target` in the cache and journals the move for the
    /// server; the message gets a provisional UID in `target` until replayed.
    pub fn journal_move(
        &mut self,
        message: MessageId,
        target: &str,
        now: i64,
    ) -> Result<JournalEntry> {
        // Either spelling of the target names the same folder (see `mailbox_name`).
        let target = self.mailbox_name(target)?;
        let target = target.as_str();
        let tx = self.conn.transaction().context("begin a local move")?;
        let (_, source, uid, message_id, _, _) = locate(&tx, message)?;
        if source == target {
            return Err(Error::InvalidRule {
                rule: "move".to_owned(),
                reason: format!("the message is already in {target}"),
            });
        }
        let target_id = mailbox_row(&tx, target)?;
        tx.execute(
            "INSERT INTO journal(created, kind, mailbox, uid, message_id, target) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                now,
                ChangeKind::Move.as_str(),
                source,
                uid,
                message_id,
                target
            ],
        )
        .context("journal a move")?;
        let id = tx.last_insert_rowid();
        let provisional = provisional_uid(id);
        tx.execute(
            "UPDATE journal SET provisional_uid = ?1 WHERE id = ?2",
            params![provisional, id],
        )
        .context("journal a move")?;
        tx.execute(
            "UPDATE messages SET mailbox_id = ?1, uid = ?2 WHERE id = ?3",
            params![target_id, provisional, message.0],
        )
        .context("move a message in the cache")?;
        tx.commit().context("commit a local move")?;
        self.journal_entry(id)
    }

    /// Adds and removes flags of a cached message and journals the change.
    pub fn journal_flags(
        &mut self,
        message: MessageId,
        add: &[String],
        remove: &[String],
        now: i64,
    ) -> Result<JournalEntry> {
        let add: Vec<String> = add.iter().map(|f| flag_name(f)).collect();
        let remove: Vec<String> = remove.iter().map(|f| flag_name(f)).collect();
        let tx = self
            .conn
            .transaction()
            .context("begin a local flag change")?;
        let (_, mailbox, uid, message_id, bits, keywords) = locate(&tx, message)?;
        let mut flags = Flags::from_parts(bits, &keywords);
        apply_flag_names(&mut flags, &add, &remove);
        tx.execute(
            "UPDATE messages SET flags = ?1, keywords = ?2 WHERE id = ?3",
            params![flags.bits(), flags.keywords_text(), message.0],
        )
        .context("change flags in the cache")?;
        tx.execute(
            "INSERT INTO journal(created, kind, mailbox, uid, message_id, add_flags, remove_flags) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                now,
                ChangeKind::Flag.as_str(),
                mailbox,
                uid,
                message_id,
                add.join(" "),
                remove.join(" ")
            ],
        )
        .context("journal a flag change")?;
        let id = tx.last_insert_rowid();
        tx.commit().context("commit a local flag change")?;
        self.journal_entry(id)
    }

    /// Journals a message to append to `mailbox` with `flags`, and shows it there in the
    /// cache under a provisional UID.
    pub fn journal_append(
        &mut self,
        mailbox: &str,
        raw: &[u8],
        flags: &Flags,
        now: i64,
    ) -> Result<JournalEntry> {
        let parsed = crate::message::parse_message(raw);
        let mailbox = self.mailbox_name(mailbox)?;
        let mailbox = mailbox.as_str();
        let tx = self.conn.transaction().context("begin a local append")?;
        let mailbox_id = mailbox_row(&tx, mailbox)?;
        let mut names: Vec<String> = Vec::new();
        for (on, name) in [
            (flags.seen, "\\Seen"),
            (flags.answered, "\\Answered"),
            (flags.flagged, "\\Flagged"),
            (flags.draft, "\\Draft"),
        ] {
            if on {
                names.push(name.to_owned());
            }
        }
        names.extend(flags.keywords.iter().cloned());
        tx.execute(
            "INSERT INTO journal(created, kind, mailbox, message_id, add_flags, raw) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                now,
                ChangeKind::Append.as_str(),
                mailbox,
                parsed.meta.message_id,
                names.join(" "),
                raw
            ],
        )
        .context("journal an append")?;
        let id = tx.last_insert_rowid();
        let provisional = provisional_uid(id);
        tx.execute(
            "UPDATE journal SET provisional_uid = ?1 WHERE id = ?2",
            params![provisional, id],
        )
        .context("journal an append")?;
        insert_local(&tx, mailbox_id, provisional, flags, &parsed, raw.len())?;
        tx.commit().context("commit a local append")?;
        self.journal_entry(id)
    }

    /// One journal row.
    pub fn journal_entry(&self, id: i64) -> Result<JournalEntry> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM journal WHERE id = ?1");
        self.conn
            .query_row(&sql, [id], entry_from_row)
            .context("read the journal")
    }

    /// Journal rows not yet done or dropped, oldest first.
    pub fn pending_changes(&self) -> Result<Vec<JournalEntry>> {
        self.journal_where("state IN ('pending', 'started')")
    }

    /// Every journal row, oldest first.
    pub fn journal(&self) -> Result<Vec<JournalEntry>> {
        self.journal_where("1")
    }

    fn journal_where(&self, condition: &str) -> Result<Vec<JournalEntry>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM journal WHERE {condition} ORDER BY id");
        let mut stmt = self.conn.prepare(&sql).context("read the journal")?;
        let rows = stmt
            .query_map([], entry_from_row)
            .context("read the journal")?;
        rows.collect::<Result<_, _>>().context("read the journal")
    }

    /// The raw message of an append row.
    pub(crate) fn journal_raw(&self, id: i64) -> Result<Vec<u8>> {
        self.conn
            .query_row("SELECT raw FROM journal WHERE id = ?1", [id], |r| {
                r.get::<_, Option<Vec<u8>>>(0)
            })
            .context("read the journal")
            .map(Option::unwrap_or_default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisional_uids_are_high_and_distinct() {
        let a = provisional_uid(1);
        let b = provisional_uid(2);
        assert!(a >= PROVISIONAL_FLOOR && b >= PROVISIONAL_FLOOR && a != b);
    }

    #[test]
    fn flag_names_add_and_remove() {
        let mut f = Flags::default();
        apply_flag_names(
            &mut f,
            &[flag_name("seen"), flag_name("$Work")],
            &[flag_name("flagged")],
        );
        assert!(f.seen && !f.flagged && f.keywords == ["$Work"]);
        apply_flag_names(&mut f, &[], &["\\Seen".to_owned(), "$work".to_owned()]);
        assert!(!f.seen && f.keywords.is_empty());
    }
}
