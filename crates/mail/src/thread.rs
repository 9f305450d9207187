//! Threads by Message-ID, In-Reply-To and References (RFC 5322 §3.6.4), across all
//! mailboxes, never by subject.
//!
//! Design: an incremental union-find kept in the table `thread_links` (Message-ID hash ->
//! thread id). When a message arrives, the ids it names (its own, In-Reply-To,
//! References) are looked up; none found starts a thread, one found joins it, several
//! found merge them into the smallest id by relabelling the others (rows in
//! `thread_links` and `messages`, both indexed by thread). Merges are rare and small,
//! so ingesting costs a few indexed lookups per message whatever the cache size.
//!
//! Invariant: every Message-ID ever seen maps to exactly one thread, and every message
//! row carries the thread of its own Message-ID.
//!
//! A mailbox as a list of conversations ([`Store::thread_heads`]) is one walk over the
//! mailbox in `sort_key` order that keeps the first (newest) message of each thread: a
//! thread's place is that of its newest message in the mailbox, as a per-message list
//! would show it. The walk costs one pass over the mailbox, so callers keep its result
//! and page through it rather than walking again per page.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};

use crate::digest::message_id_key;
use crate::error::{Context, Result};
use crate::message::MessageMeta;
use crate::store::{MessageSummary, Store};
use crate::types::{MailboxId, MessageId, ThreadId, FLAGGED, SEEN};

/// One conversation of a mailbox as its list shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadHead {
    pub thread: ThreadId,
    /// The thread's newest message in the mailbox (by `sort_key`), which stands for it.
    pub head: MessageId,
    pub tally: ThreadTally,
}

/// How many messages of a thread one mailbox holds, and how many of those are unread
/// or flagged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadTally {
    pub messages: u32,
    pub unread: u32,
    pub flagged: u32,
}

impl ThreadTally {
    fn add(&mut self, flags: i64) {
        self.messages += 1;
        self.unread += u32::from(flags & SEEN == 0);
        self.flagged += u32::from(flags & FLAGGED != 0);
    }
}

/// Allocates thread ids within one write transaction.
pub(crate) struct Linker {
    next: i64,
}

impl Linker {
    pub(crate) fn new(tx: &Transaction<'_>) -> Result<Linker> {
        let max: i64 = tx
            .query_row(
                "SELECT coalesce(max(thread), 0) FROM thread_links",
                [],
                |r| r.get(0),
            )
            .context("read the last thread id")?;
        Ok(Linker { next: max + 1 })
    }

    /// The thread `meta` belongs to, merging threads it connects.
    pub(crate) fn link(&mut self, tx: &Transaction<'_>, meta: &MessageMeta) -> Result<i64> {
        let mut keys: Vec<i64> = std::iter::once(&meta.message_id)
            .chain(&meta.in_reply_to)
            .chain(&meta.references)
            .map(|id| message_id_key(id))
            .collect();
        keys.dedup();
        let mut find = tx
            .prepare_cached("SELECT thread FROM thread_links WHERE key = ?1")
            .context("look up a thread link")?;
        let mut threads = Vec::new();
        let mut missing = Vec::new();
        for &key in &keys {
            match find
                .query_row([key], |r| r.get::<_, i64>(0))
                .optional()
                .context("look up a thread link")?
            {
                Some(t) => threads.push(t),
                None => missing.push(key),
            }
        }
        threads.sort_unstable();
        threads.dedup();
        let target = match threads.first() {
            Some(&t) => t,
            None => {
                self.next += 1;
                self.next - 1
            }
        };
        for &other in threads.iter().skip(1) {
            tx.prepare_cached("UPDATE thread_links SET thread = ?1 WHERE thread = ?2")
                .and_then(|mut s| s.execute(params![target, other]))
                .context("merge thread links")?;
            tx.prepare_cached("UPDATE messages SET thread_id = ?1 WHERE thread_id = ?2")
                .and_then(|mut s| s.execute(params![target, other]))
                .context("merge threads")?;
        }
        let mut insert = tx
            .prepare_cached("INSERT OR IGNORE INTO thread_links(key, thread) VALUES (?1, ?2)")
            .context("add a thread link")?;
        for key in missing {
            insert
                .execute(params![key, target])
                .context("add a thread link")?;
        }
        Ok(target)
    }
}

impl Store {
    /// Every thread with a message in `mailbox`, newest head first, each with its tally
    /// in the mailbox. One pass over the mailbox's `(mailbox_id, sort_key)` index.
    pub fn thread_heads(&self, mailbox: MailboxId) -> Result<Vec<ThreadHead>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, thread_id, flags FROM messages \
                 WHERE mailbox_id = ?1 ORDER BY sort_key DESC",
            )
            .context("list a mailbox's threads")?;
        let mut rows = stmt
            .query([mailbox.0])
            .context("list a mailbox's threads")?;
        let mut heads: Vec<ThreadHead> = Vec::new();
        // Thread id -> its place in `heads`; most threads of a mailbox hold one message,
        // so this ends up about as large as `heads`.
        let mut at: HashMap<i64, usize> = HashMap::new();
        while let Some(r) = rows.next().context("list a mailbox's threads")? {
            let (id, thread, flags): (i64, i64, i64) = (
                r.get(0).context("list a mailbox's threads")?,
                r.get(1).context("list a mailbox's threads")?,
                r.get(2).context("list a mailbox's threads")?,
            );
            let slot = *at.entry(thread).or_insert_with(|| {
                heads.push(ThreadHead {
                    thread: ThreadId(thread),
                    head: MessageId(id),
                    tally: ThreadTally::default(),
                });
                heads.len() - 1
            });
            heads[slot].tally.add(flags);
        }
        Ok(heads)
    }

    /// The tallies in `mailbox` of `threads` (threads without a message there are left
    /// out): what a page of [`Store::thread_heads`] shows, read fresh through the thread
    /// index, so flag changes need no new walk.
    pub fn thread_tallies(
        &self,
        mailbox: MailboxId,
        threads: &[ThreadId],
    ) -> Result<HashMap<ThreadId, ThreadTally>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT flags FROM messages WHERE thread_id = ?1 AND mailbox_id = ?2")
            .context("count a thread's messages")?;
        let mut out = HashMap::with_capacity(threads.len());
        for &thread in threads {
            let mut rows = stmt
                .query(params![thread.0, mailbox.0])
                .context("count a thread's messages")?;
            let mut tally = ThreadTally::default();
            while let Some(r) = rows.next().context("count a thread's messages")? {
                tally.add(r.get(0).context("count a thread's messages")?);
            }
            if tally.messages > 0 {
                out.insert(thread, tally);
            }
        }
        Ok(out)
    }

    /// The messages of a thread in every mailbox, oldest first.
    pub fn thread_members(&self, thread: ThreadId) -> Result<Vec<MessageSummary>> {
        let sql = format!(
            "SELECT {} FROM messages m \
             WHERE m.thread_id = ?1 ORDER BY m.date, m.id",
            crate::store::SUMMARY_COLUMNS
        );
        let mut stmt = self.conn.prepare_cached(&sql).context("list a thread")?;
        let rows = stmt
            .query_map([thread.0], crate::store::summary_from_row)
            .context("list a thread")?;
        rows.collect::<Result<_, _>>().context("list a thread")
    }

    /// The thread of the message with this Message-ID (brackets optional), if cached.
    pub fn thread_of(&self, message_id: &str) -> Result<Option<ThreadId>> {
        let id = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        self.conn
            .query_row(
                "SELECT thread FROM thread_links WHERE key = ?1",
                [message_id_key(id)],
                |r| r.get(0).map(ThreadId),
            )
            .optional()
            .context("find a thread")
    }
}
