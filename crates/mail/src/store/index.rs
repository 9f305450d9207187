//! The full-text index (`fts`): rows written one at a time, and the deferred bulk build
//! that a header sync relies on.
//!
//! Invariants:
//! - Every message row is either in `fts` (rowid = `sort_key`) or listed in
//!   `fts_pending`, never both and never twice. A header sync lists its rows as pending
//!   and [`Store::index_pending`] moves them into `fts` in large transactions: one FTS5
//!   insert per row in rowid order, so the index grows in a few large segments instead
//!   of one small segment per batch that then has to be merged.
//! - The pending list survives a crash: the next sync builds what an interrupted one
//!   left. Deleting a message row removes its pending entry (a trigger, see the schema),
//!   and a pending row's body is indexed by the build, so no path indexes a row twice.

use rusqlite::{params, Transaction};

use super::Store;
use crate::error::{Context, Result};
use crate::segment::for_index;
use crate::types::Address;

/// Body text indexed per message; the rest is stored but not searchable.
const MAX_INDEXED_BODY: usize = 64 * 1024;
/// Rows indexed per transaction by the bulk build: large enough that FTS5 writes big
/// segments, small enough that an interrupted build keeps most of its work.
const BUILD_CHUNK: usize = 25_000;

/// The columns of one FTS row, before segmentation.
pub(super) struct IndexRow<'a> {
    pub subject: &'a str,
    pub sender: Option<&'a Address>,
    pub to: &'a [Address],
    pub cc: &'a [Address],
    pub body: &'a str,
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

/// Writes the FTS row of `key`; with `replace`, the old row is deleted first.
pub(super) fn write_index(
    tx: &Transaction<'_>,
    key: i64,
    row: &IndexRow<'_>,
    replace: bool,
) -> Result<()> {
    if replace {
        tx.prepare_cached("DELETE FROM fts WHERE rowid = ?1")
            .and_then(|mut s| s.execute([key]))
            .context("re-index a message")?;
    }
    let mut body = row.body;
    if body.len() > MAX_INDEXED_BODY {
        let mut end = MAX_INDEXED_BODY;
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        body = &body[..end];
    }
    let sender = addresses(row.sender);
    let to = addresses(row.to);
    let cc = addresses(row.cc);
    tx.prepare_cached(
        "INSERT INTO fts(rowid, subject, sender, recipient_to, recipient_cc, body) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            key,
            for_index(row.subject),
            for_index(&sender),
            for_index(&to),
            for_index(&cc),
            for_index(body)
        ])
    })
    .context("index a message")?;
    Ok(())
}

/// Lists a stored row as not yet indexed.
pub(super) fn mark_pending(tx: &Transaction<'_>, key: i64) -> Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO fts_pending(sort_key) VALUES (?1)")
        .and_then(|mut s| s.execute([key]))
        .context("list a message for indexing")?;
    Ok(())
}

/// Whether the row of `key` waits for the bulk build (and so has no FTS row yet).
pub(super) fn is_pending(tx: &Transaction<'_>, key: i64) -> Result<bool> {
    tx.prepare_cached("SELECT 1 FROM fts_pending WHERE sort_key = ?1")
        .and_then(|mut s| s.exists([key]))
        .context("check a message's index state")
}

/// Takes the row of `key` off the pending list; true when it was on it.
pub(super) fn unmark_pending(tx: &Transaction<'_>, key: i64) -> Result<bool> {
    tx.prepare_cached("DELETE FROM fts_pending WHERE sort_key = ?1")
        .and_then(|mut s| s.execute([key]))
        .map(|n| n > 0)
        .context("take a message off the indexing list")
}

impl Store {
    /// Messages stored but not yet in the full-text index.
    pub fn pending_index(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT count(*) FROM fts_pending", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| u64::try_from(n).unwrap_or(0))
            .context("count messages waiting for the index")
    }

    /// Indexes every pending message (see the module doc), calling `progress(done,
    /// total)` after each transaction. Returns how many rows were indexed. Cheap when
    /// nothing is pending.
    pub fn index_pending(&mut self, progress: &mut dyn FnMut(usize, usize)) -> Result<usize> {
        let total = usize::try_from(self.pending_index()?).unwrap_or(usize::MAX);
        if total == 0 {
            return Ok(0);
        }
        let mut done = 0;
        loop {
            let (indexed, cleared) = self.index_pending_chunk()?;
            if cleared == 0 {
                break;
            }
            done += indexed;
            progress(done.min(total), total);
        }
        Ok(done)
    }

    /// One transaction of [`Store::index_pending`]: returns (indexed, taken off the list),
    /// both 0 when nothing is pending.
    pub(crate) fn index_pending_chunk(&mut self) -> Result<(usize, usize)> {
        let tx = self
            .conn
            .transaction()
            .context("begin building the index")?;
        let done = build_chunk(&tx)?;
        tx.commit().context("commit building the index")?;
        Ok(done)
    }
}

/// Indexes up to [`BUILD_CHUNK`] pending rows, lowest keys first, and takes them (and
/// any stale entry among them) off the list. Returns (indexed, taken off the list).
fn build_chunk(tx: &Transaction<'_>) -> Result<(usize, usize)> {
    let mut stmt = tx
        .prepare_cached(
            "SELECT p.sort_key, m.subject, m.from_name, m.from_addr, m.to_json, m.cc_json, \
             substr(b.text, 1, ?2) \
             FROM fts_pending p JOIN messages m ON m.sort_key = p.sort_key \
             LEFT JOIN bodies b ON b.message_id = m.id \
             ORDER BY p.sort_key LIMIT ?1",
        )
        .context("read messages to index")?;
    // `substr` counts characters; the byte limit is applied again in `write_index`.
    let limit = i64::try_from(BUILD_CHUNK).unwrap_or(i64::MAX);
    let mut rows = stmt
        .query(params![limit, MAX_INDEXED_BODY as i64])
        .context("read messages to index")?;
    let mut n = 0;
    let mut last = None;
    while let Some(r) = rows.next().context("read messages to index")? {
        let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<_> {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        };
        let (key, subject, from_name, from_addr, to_json, cc_json, body) =
            read(r).context("read messages to index")?;
        // Rows without a From were indexed without a sender when written one by one.
        let sender = (from_name.is_some() || !from_addr.is_empty()).then_some(Address {
            name: from_name,
            addr: from_addr,
        });
        let to: Vec<Address> = serde_json::from_str(&to_json).unwrap_or_default();
        let cc: Vec<Address> = serde_json::from_str(&cc_json).unwrap_or_default();
        let row = IndexRow {
            subject: &subject,
            sender: sender.as_ref(),
            to: &to,
            cc: &cc,
            body: body.as_deref().unwrap_or(""),
        };
        write_index(tx, key, &row, false)?;
        n += 1;
        last = Some(key);
    }
    drop(rows);
    // Entries below the last indexed key that matched no row are stale; they go too.
    let cleared = match last {
        Some(last) => tx.execute("DELETE FROM fts_pending WHERE sort_key <= ?1", [last]),
        None => tx.execute("DELETE FROM fts_pending", []),
    }
    .context("take indexed messages off the list")?;
    Ok((n, cleared))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{BodyUpdate, NewMessage};
    use crate::types::{MailboxId, Uid};

    fn headers(uids: std::ops::RangeInclusive<u32>) -> Vec<NewMessage> {
        crate::store::testing::headers("index.test", "kestrel", uids)
    }

    fn body(uid: u32, text: &str) -> BodyUpdate {
        BodyUpdate {
            uid: Uid::new(uid).expect("uid"),
            text: text.to_owned(),
            has_attachment: None,
        }
    }

    fn hits(store: &Store, word: &str) -> i64 {
        store
            .conn
            .query_row("SELECT count(*) FROM fts WHERE fts MATCH ?1", [word], |r| {
                r.get(0)
            })
            .expect("match")
    }

    fn setup() -> (Store, MailboxId) {
        let mut store = Store::open_in_memory().expect("store");
        let inbox = store.ensure_mailbox("INBOX", None).expect("mailbox");
        store.store_headers(inbox, &headers(1..=5)).expect("store");
        (store, inbox)
    }

    #[test]
    fn deferred_rows_are_indexed_once_with_bodies_set_meanwhile() {
        let (mut store, inbox) = setup();
        assert_eq!(store.pending_index().expect("pending"), 5);
        assert_eq!(hits(&store, "kestrel"), 0);
        // A body arriving before the build is indexed by the build, not twice.
        store
            .set_bodies(inbox, &[body(2, "heron notes")])
            .expect("body");
        let mut last = (0, 0);
        let n = store
            .index_pending(&mut |done, total| last = (done, total))
            .expect("build");
        assert_eq!((n, last), (5, (5, 5)));
        assert_eq!(store.pending_index().expect("pending"), 0);
        assert_eq!(hits(&store, "kestrel"), 5);
        assert_eq!(hits(&store, "heron"), 1);
        // After the build a body replaces the row's index entry.
        store
            .set_bodies(inbox, &[body(2, "egret notes"), body(3, "egret")])
            .expect("body");
        assert_eq!(hits(&store, "kestrel"), 5);
        assert_eq!(hits(&store, "heron"), 0);
        assert_eq!(hits(&store, "egret"), 2);
        assert_eq!(store.index_pending(&mut |_, _| {}).expect("build"), 0);
    }

    #[test]
    fn removed_or_deleted_rows_leave_the_pending_list() {
        let (mut store, inbox) = setup();
        // Indexed rows of the same second, so FTS segments span the pending keys.
        let archive = store.ensure_mailbox("Archive", None).expect("mailbox");
        store
            .upsert_messages(archive, &headers(1..=5))
            .expect("upsert");
        store
            .remove_uids(inbox, &[Uid::new(1).expect("uid")])
            .expect("remove");
        assert_eq!(store.pending_index().expect("pending"), 4);
        // Any other delete path too (the trigger), e.g. a journal's, which also deletes
        // the FTS row it assumes exists.
        for sql in [
            "DELETE FROM fts WHERE rowid = \
             (SELECT sort_key FROM messages WHERE uid = 2 AND mailbox_id = ?1)",
            "DELETE FROM messages WHERE uid = 2 AND mailbox_id = ?1",
        ] {
            store.conn.execute(sql, [inbox.0]).expect("delete");
        }
        assert_eq!(store.pending_index().expect("pending"), 3);
        store.clear_mailbox(inbox).expect("clear");
        assert_eq!(store.pending_index().expect("pending"), 0);
        store.store_headers(inbox, &headers(1..=5)).expect("store");
        store.index_pending(&mut |_, _| {}).expect("build");
        assert_eq!(hits(&store, "kestrel"), 10);
    }
}
