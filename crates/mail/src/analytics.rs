//! Sender analytics over a period: top senders by address and domain, automated vs human
//! share, and senders whose mail I never open.
//!
//! Definitions: every cached message counts once per mailbox it is in; "me" (passed in)
//! is left out of sender rankings; a sender is never opened when none of their messages
//! carries `\Seen`. Automation is the `automated` column set at parse time.
//!
//! Cost: one pass over the covering index `messages_date` (date, from_addr, from_domain,
//! automated, flags), so the table itself is not read.

use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use crate::error::{Context, Result};
use crate::store::{count_at, Store};
use crate::unanswered::Period;

/// An address or a domain and its message count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderCount {
    pub key: String,
    pub count: u64,
}

/// Messages by automation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomationShare {
    pub automated: u64,
    pub human: u64,
}

impl AutomationShare {
    /// Share of automated mail in `[0, 1]`; 0 for no mail.
    pub fn automated_ratio(&self) -> f64 {
        let total = self.automated + self.human;
        if total == 0 {
            0.0
        } else {
            self.automated as f64 / total as f64
        }
    }
}

/// Messages by automation in one calendar month (UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthShare {
    /// `YYYY-MM`.
    pub month: String,
    pub automated: u64,
    pub human: u64,
}

/// Which sender key to group by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderKey {
    Address,
    Domain,
}

fn me_params(me: &[&str]) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = me
        .iter()
        .map(|a| Value::Text(a.trim().to_lowercase()))
        .collect();
    if values.is_empty() {
        // NOT IN (NULL) is never true; a NUL character is never an address.
        values.push(Value::Text("\0".to_owned()));
    }
    (vec!["?"; values.len()].join(", "), values)
}

impl Store {
    /// The `limit` most frequent senders other than `me`, most first, ties by key.
    pub fn top_senders(
        &self,
        key: SenderKey,
        me: &[&str],
        period: Period,
        limit: u32,
    ) -> Result<Vec<SenderCount>> {
        let (start, end) = period.bounds();
        let (me_list, me_values) = me_params(me);
        let column = match key {
            SenderKey::Address => "from_addr",
            SenderKey::Domain => "from_domain",
        };
        let sql = format!(
            "SELECT {column}, count(*) AS n FROM messages INDEXED BY messages_date \
             WHERE date >= ? AND date < ? AND from_addr NOT IN ({me_list}) AND from_addr <> '' \
             GROUP BY {column} ORDER BY n DESC, {column} ASC LIMIT ?"
        );
        let mut params = vec![Value::Integer(start), Value::Integer(end)];
        params.extend(me_values);
        params.push(Value::Integer(i64::from(limit)));
        self.sender_counts(&sql, params, "rank senders")
    }

    /// Automated and human message counts in the period.
    pub fn automation_share(&self, period: Period) -> Result<AutomationShare> {
        let (start, end) = period.bounds();
        self.conn
            .query_row(
                "SELECT coalesce(sum(automated), 0), coalesce(sum(1 - automated), 0) \
                 FROM messages INDEXED BY messages_date WHERE date >= ?1 AND date < ?2",
                [start, end],
                |r| {
                    Ok(AutomationShare {
                        automated: count_at(r, 0)?,
                        human: count_at(r, 1)?,
                    })
                },
            )
            .context("count automated mail")
    }

    /// Automated and human message counts per calendar month (UTC) of the period, oldest
    /// first; months without mail are left out.
    pub fn automation_by_month(&self, period: Period) -> Result<Vec<MonthShare>> {
        let (start, end) = period.bounds();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT strftime('%Y-%m', date, 'unixepoch') AS month, \
                 coalesce(sum(automated), 0), coalesce(sum(1 - automated), 0) \
                 FROM messages INDEXED BY messages_date WHERE date >= ?1 AND date < ?2 \
                 GROUP BY month ORDER BY month",
            )
            .context("count automated mail by month")?;
        let rows = stmt
            .query_map([start, end], |r| {
                Ok(MonthShare {
                    month: r.get(0)?,
                    automated: count_at(r, 1)?,
                    human: count_at(r, 2)?,
                })
            })
            .context("count automated mail by month")?;
        rows.collect::<Result<_, _>>()
            .context("count automated mail by month")
    }

    /// Senders other than `me` with at least `min_messages` messages in the period, none
    /// of them seen; most messages first, ties by address.
    pub fn never_opened(
        &self,
        me: &[&str],
        period: Period,
        min_messages: u32,
    ) -> Result<Vec<SenderCount>> {
        let (start, end) = period.bounds();
        let (me_list, me_values) = me_params(me);
        let sql = format!(
            "SELECT from_addr, count(*) AS n FROM messages INDEXED BY messages_date \
             WHERE date >= ? AND date < ? AND from_addr NOT IN ({me_list}) AND from_addr <> '' \
             GROUP BY from_addr HAVING max(flags & 1) = 0 AND n >= ? \
             ORDER BY n DESC, from_addr ASC"
        );
        let mut params = vec![Value::Integer(start), Value::Integer(end)];
        params.extend(me_values);
        params.push(Value::Integer(i64::from(min_messages.max(1))));
        self.sender_counts(&sql, params, "find never-opened senders")
    }

    fn sender_counts(
        &self,
        sql: &str,
        params: Vec<Value>,
        action: &'static str,
    ) -> Result<Vec<SenderCount>> {
        let mut stmt = self.conn.prepare_cached(sql).context(action)?;
        let rows = stmt
            .query_map(params_from_iter(params), |r| {
                Ok(SenderCount {
                    key: r.get(0)?,
                    count: count_at(r, 1)?,
                })
            })
            .context(action)?;
        rows.collect::<Result<_, _>>().context(action)
    }
}
