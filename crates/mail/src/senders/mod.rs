//! Machines and people, decided per sender from the mailbox's own evidence as well as
//! the headers (see [`classify_sender`] for the rules), kept in the cache with the
//! reasons, and overridable by a person.
//!
//! Invariants:
//! - `messages.automated` is the effective class of each message: a person's override
//!   when there is one, else automated when the sender is a machine or the message's
//!   own headers say so (`messages.header_automated`). Search (`is:automated`),
//!   analytics, "waiting for my reply" and sort rules read that column, so they all
//!   follow the sender's class.
//! - [`Store::classify_senders`] looks only at messages stored since its last run
//!   (`sender_progress`): their senders, the recipients of my new messages and the
//!   senders of threads I wrote in are decided again (every sender, when most of the
//!   cache is new: one pass over the table is then cheaper than a query per sender, see
//!   `evidence`); the rows of a sender whose effective class changed are rewritten in
//!   the same transaction.
//! - Each decision reads the sender's newest [`WINDOW`] messages, so its cost is
//!   bounded however much mail one address sends.
//!
//! Not followed: flag changes alone (a message marked answered elsewhere) and expunges
//! do not trigger a new decision; the sender's next message or [`Store::reclassify_senders`]
//! does.

mod decide;
mod evidence;

use std::collections::BTreeMap;

use rusqlite::{params, params_from_iter, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use evidence::{MyThreads, SeenEvidence};

pub use decide::{
    classify_sender, interval_cv, subject_shape, Evidence, Reason, ReasonCode, SenderClass,
    SenderKind, BULK_VOLUME, MIN_VOLUME,
};

use crate::error::{Context, Result};
use crate::store::{count_at, Store};

/// Newest messages of a sender that a decision reads.
pub const WINDOW: u32 = 500;

/// What a person said about a sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Person,
    Machine,
    /// Forget the override; the evidence decides again.
    Auto,
}

/// A sender's stored class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderRecord {
    pub address: String,
    /// The effective class: the override when set, else the decision.
    pub kind: SenderKind,
    /// The decision from the evidence, whatever the override says.
    pub decided: SenderKind,
    pub overridden: Option<SenderKind>,
    /// The reasons, the override first when there is one.
    pub why: Vec<Reason>,
    /// Cached messages from this address when it was last decided.
    pub messages: u64,
}

/// What one classification run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassifyReport {
    /// New messages looked at.
    pub new_messages: u64,
    /// Senders decided again.
    pub senders: u64,
    /// Senders whose effective class changed (or were new machines).
    pub changed: u64,
    /// Message rows whose effective class was rewritten.
    pub rows_updated: u64,
}

fn lower_me(me: &[&str]) -> Vec<String> {
    me.iter().map(|a| a.trim().to_lowercase()).collect()
}

impl Store {
    /// Decides again every sender touched by messages stored since the last run (see
    /// the module doc). `me` holds my addresses (any case).
    pub fn classify_senders(&mut self, me: &[&str]) -> Result<ClassifyReport> {
        let me = lower_me(me);
        let tx = self
            .conn
            .transaction()
            .context("start classifying senders")?;
        let report = classify_new(&tx, &me)?;
        tx.commit().context("store sender classes")?;
        Ok(report)
    }

    /// Decides every sender again from all cached mail (after an upgrade, or to pick up
    /// flag changes and expunges). Overrides are kept.
    pub fn reclassify_senders(&mut self, me: &[&str]) -> Result<ClassifyReport> {
        let me = lower_me(me);
        let tx = self
            .conn
            .transaction()
            .context("start classifying senders")?;
        tx.execute_batch("DELETE FROM sender_progress; UPDATE senders SET written_to = 0;")
            .context("reset sender progress")?;
        let report = classify_new(&tx, &me)?;
        tx.commit().context("store sender classes")?;
        Ok(report)
    }

    /// Sets or clears a person's override of `address` and rewrites the effective class
    /// of its messages. Returns the sender as stored now.
    pub fn mark_sender(&mut self, address: &str, mark: Mark, me: &[&str]) -> Result<SenderRecord> {
        let me = lower_me(me);
        let addr = address.trim().to_lowercase();
        let tx = self.conn.transaction().context("start marking a sender")?;
        let known: Option<String> = tx
            .query_row("SELECT kind FROM senders WHERE addr = ?1", [&addr], |r| {
                r.get(0)
            })
            .optional()
            .context("read a sender")?;
        if known.is_none() {
            decide_and_store(&tx, &addr, None, &threads_with_my_mail(&tx, &me)?)?;
        }
        let value = match mark {
            Mark::Person => Some("person"),
            Mark::Machine => Some("machine"),
            Mark::Auto => None,
        };
        tx.execute(
            "UPDATE senders SET override = ?2 WHERE addr = ?1",
            params![addr, value],
        )
        .context("store a sender override")?;
        rewrite_rows(&tx, &addr)?;
        tx.commit().context("store a sender override")?;
        Ok(self.sender(&addr)?.unwrap_or_else(|| SenderRecord {
            address: addr,
            kind: SenderKind::Person,
            decided: SenderKind::Person,
            overridden: None,
            why: Vec::new(),
            messages: 0,
        }))
    }

    /// The stored class of `address`, if it was ever decided.
    pub fn sender(&self, address: &str) -> Result<Option<SenderRecord>> {
        let addr = address.trim().to_lowercase();
        self.conn
            .query_row(
                "SELECT addr, kind, override, why_json, messages FROM senders WHERE addr = ?1",
                [addr],
                record_from_row,
            )
            .optional()
            .context("read a sender")
    }

    /// The stored classes of `addresses` (any case), keyed by lower-case address; an
    /// address never decided is absent.
    pub fn sender_classes(&self, addresses: &[&str]) -> Result<BTreeMap<String, SenderRecord>> {
        let mut out = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT addr, kind, override, why_json, messages FROM senders WHERE addr = ?1",
            )
            .context("read sender classes")?;
        for a in addresses {
            let addr = a.trim().to_lowercase();
            if out.contains_key(&addr) {
                continue;
            }
            if let Some(r) = stmt
                .query_row([&addr], record_from_row)
                .optional()
                .context("read sender classes")?
            {
                out.insert(addr, r);
            }
        }
        Ok(out)
    }

    /// Senders with mail, most messages first, optionally only one effective kind.
    pub fn senders(&self, kind: Option<SenderKind>, limit: u32) -> Result<Vec<SenderRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT addr, kind, override, why_json, messages FROM senders \
                 WHERE messages > 0 AND (?1 IS NULL OR coalesce(override, kind) = ?1) \
                 ORDER BY messages DESC, addr ASC LIMIT ?2",
            )
            .context("list senders")?;
        let rows = stmt
            .query_map(
                params![kind.map(SenderKind::as_str), i64::from(limit)],
                record_from_row,
            )
            .context("list senders")?;
        rows.collect::<Result<_, _>>().context("list senders")
    }
}

fn record_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SenderRecord> {
    let decided = SenderKind::parse(&r.get::<_, String>(1)?).unwrap_or(SenderKind::Person);
    let overridden = r
        .get::<_, Option<String>>(2)?
        .and_then(|s| SenderKind::parse(&s));
    let mut why: Vec<Reason> = serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default();
    if let Some(k) = overridden {
        why.insert(
            0,
            Reason {
                code: ReasonCode::Override,
                text: format!("marked a {} by the user", k.as_str()),
            },
        );
    }
    Ok(SenderRecord {
        address: r.get(0)?,
        kind: overridden.unwrap_or(decided),
        decided,
        overridden,
        why,
        messages: count_at(r, 4)?,
    })
}

/// The run behind [`Store::classify_senders`]: gathers the touched senders from the new
/// rows, decides each, and moves the progress mark.
fn classify_new(tx: &Transaction<'_>, me: &[String]) -> Result<ClassifyReport> {
    let last: i64 = tx
        .query_row(
            "SELECT last_message FROM sender_progress WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .context("read sender progress")?
        .unwrap_or(0);
    let evidence::Gathered {
        new_messages,
        top,
        mut touched,
        written,
        seen: mut scanned,
    } = evidence::gather_new(tx, last, me)?;
    let mut report = ClassifyReport {
        new_messages,
        ..ClassifyReport::default()
    };
    for (addr, n) in &written {
        tx.prepare_cached(
            "INSERT INTO senders(addr, kind, written_to) VALUES (?1, 'person', ?2) \
             ON CONFLICT(addr) DO UPDATE SET written_to = written_to + excluded.written_to",
        )
        .and_then(|mut s| s.execute(params![addr, *n as i64]))
        .context("count my messages to a sender")?;
        touched.insert(addr.clone());
    }
    let mine = threads_with_my_mail(tx, me)?;
    for addr in &touched {
        report.senders += 1;
        let seen = scanned.as_mut().and_then(|s| s.remove(addr));
        if let Some(rows) = decide_and_store(tx, addr, seen, &mine)? {
            report.changed += 1;
            report.rows_updated += rows;
        }
    }
    tx.execute(
        "INSERT INTO sender_progress(id, last_message) VALUES (1, ?1) \
         ON CONFLICT(id) DO UPDATE SET last_message = excluded.last_message",
        [top],
    )
    .context("store sender progress")?;
    Ok(report)
}

/// Gathers the evidence of `addr`, decides, stores the decision, and rewrites the
/// sender's rows when its effective class changed. Returns the rows rewritten then.
/// `seen` is what a pass over the table read of the sender, when there was one.
fn decide_and_store(
    tx: &Transaction<'_>,
    addr: &str,
    seen: Option<SeenEvidence>,
    mine: &MyThreads,
) -> Result<Option<u64>> {
    // Statements here run once per sender, thousands of times a run: all are cached, as
    // parsing them again each time was a large part of the cost.
    let before: Option<(String, Option<String>, u64)> = tx
        .prepare_cached("SELECT kind, override, written_to FROM senders WHERE addr = ?1")
        .and_then(|mut s| {
            s.query_row([addr], |r| Ok((r.get(0)?, r.get(1)?, count_at(r, 2)?)))
                .optional()
        })
        .context("read a sender")?;
    let written_to = before.as_ref().map_or(0, |b| b.2);
    let seen = match seen {
        Some(s) => s,
        None => evidence::by_query(tx, addr)?,
    };
    let evidence = evidence::evidence(addr, &seen, written_to, mine);
    let class = classify_sender(&evidence);
    let why = serde_json::to_string(&class.why).unwrap_or_else(|_| "[]".to_owned());
    tx.prepare_cached(
        "INSERT INTO senders(addr, kind, why_json, messages) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT(addr) DO UPDATE SET kind = excluded.kind, why_json = excluded.why_json, \
         messages = excluded.messages",
    )
    .and_then(|mut s| {
        s.execute(params![
            addr,
            class.kind.as_str(),
            why,
            evidence.messages as i64
        ])
    })
    .context("store a sender class")?;
    // New rows of a known sender already follow its class (see the insert); rows need
    // rewriting only when the effective class moved, or a new sender is a machine.
    let changed = match &before {
        Some((_, Some(_), _)) => false,
        Some((kind, None, _)) => kind != class.kind.as_str(),
        None => class.kind == SenderKind::Machine,
    };
    if !changed {
        return Ok(None);
    }
    rewrite_rows(tx, addr).map(Some)
}

/// Sets the effective class of every message of `addr` from its sender row.
fn rewrite_rows(tx: &Transaction<'_>, addr: &str) -> Result<u64> {
    let n = tx
        .prepare_cached(
            "UPDATE messages SET automated = \
             (SELECT CASE WHEN s.override = 'person' THEN 0 \
                 WHEN coalesce(s.override, s.kind) = 'machine' THEN 1 \
                 ELSE messages.header_automated END FROM senders s WHERE s.addr = ?1) \
             WHERE from_addr = ?1 AND automated IS NOT \
             (SELECT CASE WHEN s.override = 'person' THEN 0 \
                 WHEN coalesce(s.override, s.kind) = 'machine' THEN 1 \
                 ELSE messages.header_automated END FROM senders s WHERE s.addr = ?1)",
        )
        .and_then(|mut s| s.execute([addr]))
        .context("rewrite the class of a sender's messages")?;
    Ok(n as u64)
}

/// Every thread with a message from one of my addresses, read once per run: probing the
/// threads of each sender one by one cost up to [`WINDOW`] lookups per sender.
fn threads_with_my_mail(tx: &Transaction<'_>, me: &[String]) -> Result<MyThreads> {
    if me.is_empty() {
        return Ok(MyThreads::new());
    }
    let list = vec!["?"; me.len()].join(", ");
    let sql = format!(
        "SELECT DISTINCT thread_id FROM messages INDEXED BY messages_from \
         WHERE from_addr IN ({list})"
    );
    let mut stmt = tx.prepare_cached(&sql).context("read my threads")?;
    let rows = stmt
        .query_map(params_from_iter(me.iter()), |r| r.get::<_, i64>(0))
        .context("read my threads")?;
    rows.collect::<rusqlite::Result<MyThreads>>()
        .context("read my threads")
}
