//! Cheap reads for the UI, the CLI and the MCP server: mailboxes with counts, a page of
//! a mailbox, one message, sync state, cache statistics.
//!
//! Invariant: every list is paged (limit/offset) and served by an index, so cost does
//! not grow with the cache beyond a count over a covering index.

use std::num::{NonZeroU32, NonZeroU64};

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{MailboxState, Store, SCHEMA_VERSION};
use crate::error::{Context, Error, Result};
use crate::types::{
    Address, Flags, MailboxId, MailboxRole, MessageId, ModSeq, ThreadId, Uid, UidValidity,
};

/// A mailbox with its message counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxSummary {
    pub id: MailboxId,
    pub name: String,
    pub role: Option<MailboxRole>,
    pub total: u64,
    pub unread: u64,
}

/// One message as lists show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSummary {
    pub id: MessageId,
    pub mailbox: MailboxId,
    pub mailbox_name: String,
    pub uid: Uid,
    /// Unix seconds: the Date header, else INTERNALDATE.
    pub date: i64,
    pub from: Address,
    pub subject: String,
    pub flags: Flags,
    pub has_attachment: bool,
    pub automated: bool,
    pub thread: ThreadId,
    /// Without angle brackets.
    pub message_id: String,
}

/// One message with everything the cache holds about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDetail {
    pub summary: MessageSummary,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub list_id: Option<String>,
    pub size: Option<u32>,
    pub internal_date: Option<i64>,
    pub modseq: Option<ModSeq>,
    /// `None` until the body has been fetched.
    pub body_text: Option<String>,
}

/// A page of results; `next_offset` is set when more follow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_offset: Option<u64>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched at `offset`.
    pub(crate) fn from_rows(mut rows: Vec<T>, offset: u64, limit: u32) -> Page<T> {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_offset = more.then(|| offset + u64::from(limit));
        Page {
            items: rows,
            next_offset,
        }
    }
}

/// Sizes and counts of the whole cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheStats {
    pub mailboxes: u64,
    pub messages: u64,
    pub unread: u64,
    pub with_body: u64,
    pub threads: u64,
    /// The database file plus its WAL, in bytes.
    pub size_bytes: u64,
    pub schema_version: i64,
}

/// Columns read by [`summary_from_row`] from `messages m`. The mailbox name is a
/// sub-select, not a join: a join lets the planner loop over the few mailboxes first and
/// then sort, instead of walking `messages` in `sort_key` order and stopping at a page.
pub(crate) const SUMMARY_COLUMNS: &str = "m.id, m.mailbox_id, \
     (SELECT b.name FROM mailboxes b WHERE b.id = m.mailbox_id), m.uid, m.date, m.from_name, \
     m.from_addr, m.subject, m.flags, m.keywords, m.has_attachment, m.automated, m.thread_id, \
     m.message_id";

pub(crate) fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<MessageSummary> {
    let uid: u32 = r.get(3)?;
    let uid = NonZeroU32::new(uid)
        .map(Uid)
        .ok_or(rusqlite::Error::IntegralValueOutOfRange(3, 0))?;
    Ok(MessageSummary {
        id: MessageId(r.get(0)?),
        mailbox: MailboxId(r.get(1)?),
        mailbox_name: r.get(2)?,
        uid,
        date: r.get(4)?,
        from: Address {
            name: r.get(5)?,
            addr: r.get(6)?,
        },
        subject: r.get(7)?,
        flags: Flags::from_parts(r.get(8)?, &r.get::<_, String>(9)?),
        has_attachment: r.get(10)?,
        automated: r.get(11)?,
        thread: ThreadId(r.get(12)?),
        message_id: r.get(13)?,
    })
}

/// Reads a count column (SQLite integers are signed).
pub(crate) fn count_at(r: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0))
}

fn split_ids(s: String) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

impl Store {
    /// Every mailbox with its total and unread counts, by name.
    pub fn mailboxes(&self) -> Result<Vec<MailboxSummary>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT b.id, b.name, b.role, \
                 (SELECT count(*) FROM messages m WHERE m.mailbox_id = b.id), \
                 (SELECT count(*) FROM messages m WHERE m.mailbox_id = b.id AND m.flags & 1 = 0) \
                 FROM mailboxes b ORDER BY b.name",
            )
            .context("list mailboxes")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(MailboxSummary {
                    id: MailboxId(r.get(0)?),
                    name: r.get(1)?,
                    role: r
                        .get::<_, Option<String>>(2)?
                        .as_deref()
                        .and_then(MailboxRole::parse),
                    total: count_at(r, 3)?,
                    unread: count_at(r, 4)?,
                })
            })
            .context("list mailboxes")?;
        rows.collect::<Result<_, _>>().context("list mailboxes")
    }

    /// The id of the mailbox called `name`, in either spelling: the decoded name, or the
    /// modified UTF-7 one a server lists (`Personal.Fam&AO0-lia`). An exact match wins.
    pub fn mailbox_id(&self, name: &str) -> Result<Option<MailboxId>> {
        let exact = self.mailbox_id_exact(name)?;
        if exact.is_some() {
            return Ok(exact);
        }
        let decoded = crate::mailbox_name::from_user(name);
        if decoded == name {
            return Ok(None);
        }
        self.mailbox_id_exact(&decoded)
    }

    fn mailbox_id_exact(&self, name: &str) -> Result<Option<MailboxId>> {
        self.conn
            .query_row("SELECT id FROM mailboxes WHERE name = ?1", [name], |r| {
                r.get(0).map(MailboxId)
            })
            .optional()
            .context("find a mailbox")
    }

    /// The cached (decoded) name of the mailbox a person called `name` in either
    /// spelling; for a folder the cache does not hold, `name` decoded when it is valid
    /// modified UTF-7, else as given.
    pub fn mailbox_name(&self, name: &str) -> Result<String> {
        match self.mailbox_id(name)? {
            Some(id) => self
                .conn
                .query_row("SELECT name FROM mailboxes WHERE id = ?1", [id.0], |r| {
                    r.get(0)
                })
                .context("find a mailbox"),
            None => Ok(crate::mailbox_name::from_user(name)),
        }
    }

    /// The sync state saved by [`Store::set_mailbox_state`].
    pub fn mailbox_state(&self, id: MailboxId) -> Result<MailboxState> {
        let row: Option<(Option<u32>, Option<u32>, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT uidvalidity, uidnext, highestmodseq FROM mailboxes WHERE id = ?1",
                [id.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .context("read a mailbox's sync state")?;
        let (v, n, h) = row.ok_or(Error::NoMailbox(id.0))?;
        Ok(MailboxState {
            uidvalidity: v.and_then(NonZeroU32::new).map(UidValidity),
            uidnext: n.and_then(Uid::new),
            highestmodseq: h
                .and_then(|h| u64::try_from(h).ok())
                .and_then(NonZeroU64::new)
                .map(ModSeq),
        })
    }

    /// Every cached uid of a mailbox with its flags and mod-sequence, by uid; what a
    /// sync without CONDSTORE compares with the server.
    pub fn cached_uids(&self, mailbox: MailboxId) -> Result<Vec<(Uid, Flags, Option<ModSeq>)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT uid, flags, keywords, modseq FROM messages WHERE mailbox_id = ?1 ORDER BY uid")
            .context("list cached uids")?;
        let rows = stmt
            .query_map([mailbox.0], |r| {
                let uid: u32 = r.get(0)?;
                let modseq: Option<i64> = r.get(3)?;
                Ok((
                    Uid::new(uid),
                    Flags::from_parts(r.get(1)?, &r.get::<_, String>(2)?),
                    modseq.and_then(|m| ModSeq::new(m as u64)),
                ))
            })
            .context("list cached uids")?;
        let mut out = Vec::new();
        for row in rows {
            let (uid, flags, modseq) = row.context("list cached uids")?;
            if let Some(uid) = uid {
                out.push((uid, flags, modseq));
            }
        }
        Ok(out)
    }

    /// A page of a mailbox, newest first.
    pub fn list_messages(
        &self,
        mailbox: MailboxId,
        offset: u64,
        limit: u32,
    ) -> Result<Page<MessageSummary>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM messages m \
             WHERE m.mailbox_id = ?1 ORDER BY m.sort_key DESC LIMIT ?2 OFFSET ?3"
        );
        let mut stmt = self.conn.prepare_cached(&sql).context("list messages")?;
        let rows = stmt
            .query_map(
                params![mailbox.0, i64::from(limit) + 1, offset as i64],
                summary_from_row,
            )
            .context("list messages")?;
        let rows: Vec<_> = rows.collect::<Result<_, _>>().context("list messages")?;
        Ok(Page::from_rows(rows, offset, limit))
    }

    /// The ids of `mailbox`'s messages, newest first: the order of
    /// [`Store::list_messages`], kept by callers that page a large folder by slicing it
    /// (one walk of the index instead of an `OFFSET` walk per page).
    pub fn message_order(&self, mailbox: MailboxId) -> Result<Vec<MessageId>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM messages WHERE mailbox_id = ?1 ORDER BY sort_key DESC")
            .context("list a mailbox's order")?;
        let ids = stmt
            .query_map([mailbox.0], |r| r.get(0).map(MessageId))
            .context("list a mailbox's order")?;
        ids.collect::<Result<_, _>>()
            .context("list a mailbox's order")
    }

    /// The list rows of `ids`, in that order; ids no longer cached are left out. One
    /// lookup by row id each: a page of a list kept elsewhere (see
    /// [`Store::thread_heads`]) costs its length, not its offset.
    pub fn summaries(&self, ids: &[MessageId]) -> Result<Vec<MessageSummary>> {
        let sql = format!("SELECT {SUMMARY_COLUMNS} FROM messages m WHERE m.id = ?1");
        let mut stmt = self.conn.prepare_cached(&sql).context("read list rows")?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = stmt
                .query_row([id.0], summary_from_row)
                .optional()
                .context("read list rows")?
            {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// One message by its cache id.
    pub fn message(&self, id: MessageId) -> Result<Option<MessageDetail>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, m.to_json, m.cc_json, m.in_reply_to, m.refs, m.list_id, \
             m.size, m.internal_date, m.modseq, bd.text \
             FROM messages m \
             LEFT JOIN bodies bd ON bd.message_id = m.id WHERE m.id = ?1"
        );
        self.conn
            .query_row(&sql, [id.0], |r| {
                let to: String = r.get(14)?;
                let cc: String = r.get(15)?;
                let modseq: Option<i64> = r.get(21)?;
                Ok(MessageDetail {
                    summary: summary_from_row(r)?,
                    to: serde_json::from_str(&to).unwrap_or_default(),
                    cc: serde_json::from_str(&cc).unwrap_or_default(),
                    in_reply_to: split_ids(r.get(16)?),
                    references: split_ids(r.get(17)?),
                    list_id: r.get(18)?,
                    size: r.get(19)?,
                    internal_date: r.get(20)?,
                    modseq: modseq.and_then(|m| ModSeq::new(m as u64)),
                    body_text: r.get(22)?,
                })
            })
            .optional()
            .context("read a message")
    }

    /// One message by mailbox and uid.
    pub fn message_by_uid(&self, mailbox: MailboxId, uid: Uid) -> Result<Option<MessageDetail>> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM messages WHERE mailbox_id = ?1 AND uid = ?2",
                params![mailbox.0, uid.get()],
                |r| r.get(0),
            )
            .optional()
            .context("find a message")?;
        match id {
            Some(id) => self.message(MessageId(id)),
            None => Ok(None),
        }
    }

    /// Counts and size on disk.
    pub fn stats(&self) -> Result<CacheStats> {
        let (mailboxes, messages, unread, with_body, threads) = self
            .conn
            .query_row(
                "SELECT (SELECT count(*) FROM mailboxes), (SELECT count(*) FROM messages), \
                 (SELECT count(*) FROM messages WHERE flags & 1 = 0), \
                 (SELECT count(*) FROM bodies), \
                 (SELECT count(DISTINCT thread_id) FROM messages)",
                [],
                |r| {
                    Ok((
                        count_at(r, 0)?,
                        count_at(r, 1)?,
                        count_at(r, 2)?,
                        count_at(r, 3)?,
                        count_at(r, 4)?,
                    ))
                },
            )
            .context("count the cache")?;
        let file = |suffix: &str| {
            let mut p = self.path().as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
        };
        Ok(CacheStats {
            mailboxes,
            messages,
            unread,
            with_body,
            threads,
            size_bytes: file("") + file("-wal"),
            schema_version: SCHEMA_VERSION,
        })
    }
}
