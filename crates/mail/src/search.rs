//! Running search-language queries against the cache, paged.
//!
//! Invariant: the SQL text is fixed by the compiler; everything from the user is a
//! bound parameter (see [`crate::query`]).

use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension};

use crate::error::{Context, Result};
use crate::query::{parse, Compiled, Query, SearchOrder};
use crate::store::{count_at, summary_from_row, MessageSummary, Page, Store, SUMMARY_COLUMNS};

/// BM25 weights per FTS column: subject, sender, to, cc, body.
const RANK: &str = "bm25(fts, 8.0, 4.0, 2.0, 2.0, 1.0)";
/// A text-only query ranked by relevance ranks only its newest this many matches:
/// ranking costs time per match, and a word found in 100,000 messages would otherwise
/// take a quarter of a second at 300K. Queries with other conditions rank every match.
pub const RELEVANCE_WINDOW: i64 = 5_000;

impl Store {
    /// Parses and runs `query`; errors point at the position of the problem.
    pub fn search(
        &self,
        query: &str,
        order: SearchOrder,
        offset: u64,
        limit: u32,
    ) -> Result<Page<MessageSummary>> {
        let q = parse(query)?;
        self.search_query(&q, order, offset, limit)
    }

    /// Runs a parsed query.
    pub fn search_query(
        &self,
        query: &Query,
        order: SearchOrder,
        offset: u64,
        limit: u32,
    ) -> Result<Page<MessageSummary>> {
        let c = query.compile();
        // With text terms, order by the FTS rowid (= sort_key) so FTS5 walks its index
        // in date order and stops after a page.
        let key = if c.fts.is_some() {
            "fts.rowid"
        } else {
            "m.sort_key"
        };
        let order_by = match (order, c.fts.is_some()) {
            (SearchOrder::Relevance, true) => format!("{RANK}, fts.rowid DESC"),
            (SearchOrder::OldestFirst, _) => format!("{key} ASC"),
            _ => format!("{key} DESC"),
        };
        let (from, mut params) = from_clause(&c);
        let mut condition = where_clause(&c);
        if let (SearchOrder::Relevance, Some(expr), "1") = (order, &c.fts, c.sql.as_str()) {
            if let Some(floor) = self.relevance_floor(expr)? {
                condition.push_str(" AND fts.rowid >= ?");
                params.push(Value::Integer(floor));
            }
        }
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM {from} \
             WHERE {condition} ORDER BY {order_by} LIMIT ? OFFSET ?"
        );
        params.push(Value::Integer(i64::from(limit) + 1));
        params.push(Value::Integer(offset as i64));
        let mut stmt = self.conn.prepare_cached(&sql).context("prepare a search")?;
        let rows = stmt
            .query_map(params_from_iter(params), summary_from_row)
            .context("run a search")?;
        let rows: Vec<_> = rows.collect::<Result<_, _>>().context("run a search")?;
        Ok(Page::from_rows(rows, offset, limit))
    }

    /// The FTS rowid of the `RELEVANCE_WINDOW`-th newest match, when there are more.
    fn relevance_floor(&self, expr: &str) -> Result<Option<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rowid DESC LIMIT 1 OFFSET ?2",
            )
            .context("bound a relevance search")?;
        stmt.query_row(rusqlite::params![expr, RELEVANCE_WINDOW - 1], |r| r.get(0))
            .optional()
            .context("bound a relevance search")
    }

    /// How many messages match `query`.
    pub fn count(&self, query: &str) -> Result<u64> {
        let c = parse(query)?.compile();
        let (from, params) = from_clause(&c);
        // A text-only query counts the index alone: every FTS row stands for one cached
        // message (rows leave the index with their message), and joining each match to
        // its message costs a lookup per match, most of a count of a common word.
        let sql = match (&c.fts, c.sql.as_str()) {
            (Some(_), "1") => "SELECT count(*) FROM fts WHERE fts MATCH ?".to_owned(),
            _ => format!("SELECT count(*) FROM {from} WHERE {}", where_clause(&c)),
        };
        let mut stmt = self.conn.prepare_cached(&sql).context("prepare a count")?;
        stmt.query_row(params_from_iter(params), |r| count_at(r, 0))
            .context("count search results")
    }
}

/// The FROM clause and the parameters in the order they appear in the statement.
fn from_clause(c: &Compiled) -> (&'static str, Vec<Value>) {
    let mut params = Vec::new();
    let from = match &c.fts {
        Some(expr) => {
            params.push(Value::Text(expr.clone()));
            "fts JOIN messages m ON m.sort_key = fts.rowid"
        }
        None => "messages m",
    };
    params.extend(c.params.iter().cloned());
    (from, params)
}

fn where_clause(c: &Compiled) -> String {
    match &c.fts {
        Some(_) => format!("fts MATCH ? AND ({})", c.sql),
        None => format!("({})", c.sql),
    }
}
