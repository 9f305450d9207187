//! "Waiting for my reply": conversations whose last message is from someone else and
//! that I have not answered.
//!
//! Definition: a thread qualifies when none of its messages is automated and its last
//! message by date, leaving out drafts (`\Draft` or a Drafts mailbox) and Trash/Junk,
//! is not from one of my addresses, lies in the requested period and does not carry
//! `\Answered`. Being the last, no message from me is later.
//!
//! Cost: the candidates are the messages dated in the period (index on date); for each,
//! "is there a later message in its thread" is one probe of the (thread, date) index.

use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use crate::error::{Context, Result};
use crate::store::{summary_from_row, MessageSummary, Store, SUMMARY_COLUMNS};

/// A half-open period `[start, end)` in Unix seconds; `None` leaves a side open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl Period {
    pub fn between(start: i64, end: i64) -> Period {
        Period {
            start: Some(start),
            end: Some(end),
        }
    }

    pub(crate) fn bounds(&self) -> (i64, i64) {
        (self.start.unwrap_or(i64::MIN), self.end.unwrap_or(i64::MAX))
    }
}

/// Messages that are not part of the conversation: drafts and discarded mail.
pub(crate) const EXCLUDED: &str = "(m.flags & 16 = 0 AND m.mailbox_id NOT IN \
     (SELECT id FROM mailboxes WHERE role IN ('drafts', 'trash', 'junk')))";

impl Store {
    /// The last message of each thread waiting for my reply, newest first. `me` holds my
    /// addresses (any case).
    pub fn waiting_for_reply(
        &self,
        me: &[&str],
        period: Period,
        limit: u32,
    ) -> Result<Vec<MessageSummary>> {
        let (start, end) = period.bounds();
        let me: Vec<String> = me.iter().map(|a| a.trim().to_lowercase()).collect();
        let me_list = vec!["?"; me.len().max(1)].join(", ");
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM messages m \
             WHERE m.date >= ? AND m.date < ? AND {EXCLUDED} \
             AND m.from_addr NOT IN ({me_list}) AND m.flags & 2 = 0 AND m.automated = 0 \
             AND NOT EXISTS (SELECT 1 FROM messages n WHERE n.thread_id = m.thread_id \
                 AND (n.date > m.date OR (n.date = m.date AND n.id > m.id)) \
                 AND n.flags & 16 = 0 AND n.mailbox_id NOT IN \
                 (SELECT id FROM mailboxes WHERE role IN ('drafts', 'trash', 'junk'))) \
             AND NOT EXISTS (SELECT 1 FROM messages a WHERE a.thread_id = m.thread_id AND a.automated = 1) \
             ORDER BY m.date DESC, m.id DESC LIMIT ?"
        );
        let mut params = vec![Value::Integer(start), Value::Integer(end)];
        if me.is_empty() {
            // NOT IN (NULL) is never true; a NUL character is never an address.
            params.push(Value::Text("\0".to_owned()));
        }
        params.extend(me.into_iter().map(Value::Text));
        params.push(Value::Integer(i64::from(limit)));
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .context("prepare the unanswered query")?;
        let rows = stmt
            .query_map(params_from_iter(params), summary_from_row)
            .context("find threads waiting for a reply")?;
        rows.collect::<Result<_, _>>()
            .context("find threads waiting for a reply")
    }
}
