//! Compilation of a [`Query`] to one FTS5 MATCH expression plus a SQL condition over
//! `messages m`, with every user value a bound parameter.
//!
//! Design: the text terms of the top-level conjunction go into one MATCH expression
//! (negated ones as `NOT`), which drives the query and gives BM25 ranking. Text terms
//! under OR or NOT mixed with non-text terms become `m.id IN (SELECT rowid FROM fts
//! WHERE fts MATCH ?)` sub-queries, so any combination compiles. FTS rowids are the
//! messages' `sort_key`s.

use rusqlite::types::Value;

use super::{Query, Status, Term, TextField};
use crate::segment::for_query;
use crate::store::sort_key_floor;

/// A compiled query.
#[derive(Clone, Debug, PartialEq)]
pub struct Compiled {
    /// The FTS5 expression driving the search, if the query has top-level text terms.
    pub fts: Option<String>,
    /// A condition over `messages m`; `1` when there is none.
    pub sql: String,
    /// Parameters of `sql`, in order.
    pub params: Vec<Value>,
}

impl Query {
    /// Compiles the query.
    pub fn compile(&self) -> Compiled {
        let children: Vec<&Query> = match self {
            Query::And(items) => items.iter().collect(),
            other => vec![other],
        };
        let mut positive = Vec::new();
        let mut negative = Vec::new();
        let mut sql = Vec::new();
        let mut params = Vec::new();
        for child in children {
            match child {
                Query::Not(inner) if fts_only(inner) => negative.push(fts_expr(inner)),
                q if fts_only(q) => positive.push(fts_expr(q)),
                // The parts are joined with AND, which binds tighter than OR.
                q @ Query::Or(_) => sql.push(format!("({})", to_sql(q, &mut params))),
                q => sql.push(to_sql(q, &mut params)),
            }
        }
        let fts = if positive.is_empty() {
            for n in negative {
                sql.push("m.sort_key NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)".to_owned());
                params.push(Value::Text(n));
            }
            None
        } else {
            let mut expr = positive.join(" AND ");
            for n in negative {
                expr = format!("({expr}) NOT ({n})");
            }
            Some(expr)
        };
        let sql = if sql.is_empty() {
            "1".to_owned()
        } else {
            sql.join(" AND ")
        };
        Compiled { fts, sql, params }
    }
}

/// How `from:` with an address or a domain is matched exactly in SQL.
enum Exact {
    Address(String),
    Domain(String),
}

fn exact_sender(field: TextField, text: &str, phrase: bool, prefix: bool) -> Option<Exact> {
    if field != TextField::From || phrase || prefix {
        return None;
    }
    let t = text.to_lowercase();
    let domain_like = |d: &str| {
        d.contains('.')
            && !d.starts_with('.')
            && !d.ends_with('.')
            && d.chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
    };
    match t.split_once('@') {
        Some(("", d)) if domain_like(d) => Some(Exact::Domain(d.to_owned())),
        Some((l, d)) if !l.is_empty() && !d.is_empty() => Some(Exact::Address(t.clone())),
        None if domain_like(&t) => Some(Exact::Domain(t.clone())),
        _ => None,
    }
}

/// True when `q` can be expressed inside one FTS5 expression.
fn fts_only(q: &Query) -> bool {
    match q {
        Query::Term(Term::Text {
            field,
            text,
            phrase,
            prefix,
        }) => exact_sender(*field, text, *phrase, *prefix).is_none(),
        Query::And(items) | Query::Or(items) => !items.is_empty() && items.iter().all(fts_only),
        _ => false,
    }
}

fn column(field: TextField) -> Option<&'static str> {
    match field {
        TextField::Any => None,
        TextField::From => Some("sender"),
        TextField::To => Some("recipient_to"),
        TextField::Cc => Some("recipient_cc"),
        TextField::Subject => Some("subject"),
        TextField::Body => Some("body"),
    }
}

/// The FTS5 expression of an `fts_only` query.
fn fts_expr(q: &Query) -> String {
    match q {
        Query::Term(Term::Text {
            field,
            text,
            prefix,
            ..
        }) => {
            let (tokens, lone_last) = for_query(text);
            let quoted = format!("\"{}\"", tokens.replace('"', "\"\""));
            let star = if *prefix || lone_last { " *" } else { "" };
            match column(*field) {
                Some(c) => format!("{{{c}}} : {quoted}{star}"),
                None => format!("{quoted}{star}"),
            }
        }
        Query::And(items) => format!(
            "({})",
            items.iter().map(fts_expr).collect::<Vec<_>>().join(" AND ")
        ),
        Query::Or(items) => format!(
            "({})",
            items.iter().map(fts_expr).collect::<Vec<_>>().join(" OR ")
        ),
        // `fts_only` admits no other shape.
        _ => "\"\"".to_owned(),
    }
}

fn to_sql(q: &Query, params: &mut Vec<Value>) -> String {
    match q {
        Query::And(items) if items.is_empty() => "1".to_owned(),
        Query::And(items) => join(items, " AND ", params),
        Query::Or(items) => join(items, " OR ", params),
        Query::Not(inner) => format!("NOT ({})", to_sql(inner, params)),
        Query::Term(t) => term_sql(t, params),
    }
}

fn join(items: &[Query], op: &str, params: &mut Vec<Value>) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|q| format!("({})", to_sql(q, params)))
        .collect();
    parts.join(op)
}

fn term_sql(t: &Term, params: &mut Vec<Value>) -> String {
    match t {
        Term::Text {
            field,
            text,
            phrase,
            prefix,
        } => match exact_sender(*field, text, *phrase, *prefix) {
            Some(Exact::Address(a)) => {
                params.push(Value::Text(a));
                "m.from_addr = ?".to_owned()
            }
            Some(Exact::Domain(d)) => {
                params.push(Value::Text(d));
                "m.from_domain = ?".to_owned()
            }
            None => {
                params.push(Value::Text(fts_expr(&Query::Term(t.clone()))));
                "m.sort_key IN (SELECT rowid FROM fts WHERE fts MATCH ?)".to_owned()
            }
        },
        Term::Folder(name) => {
            // One mailbox, by name as typed, then by its decoded spelling (a modified
            // UTF-7 name such as `Fam&AO0-lia`), then by role: an equality lets the
            // planner walk the (mailbox_id, sort_key) index in order.
            let decoded = crate::mailbox_name::from_user(name);
            params.push(Value::Text(name.clone()));
            params.push(Value::Text(decoded.clone()));
            params.push(Value::Text(name.to_lowercase()));
            params.push(Value::Text(name.clone()));
            params.push(Value::Text(decoded));
            "m.mailbox_id = (SELECT id FROM mailboxes \
             WHERE name = ? COLLATE NOCASE OR name = ? COLLATE NOCASE OR role = ? \
             ORDER BY CASE WHEN name = ? COLLATE NOCASE THEN 0 \
             WHEN name = ? COLLATE NOCASE THEN 1 ELSE 2 END, id LIMIT 1)"
                .to_owned()
        }
        Term::List(part) => {
            params.push(Value::Text(part.clone()));
            "instr(m.list_id, ?) > 0".to_owned()
        }
        Term::Date { start, end } => {
            let mut parts = Vec::new();
            // Date bounds as sort-key bounds: the same order, and an index range scan.
            if let Some(s) = start {
                params.push(Value::Integer(sort_key_floor(*s)));
                parts.push("m.sort_key >= ?");
            }
            if let Some(e) = end {
                params.push(Value::Integer(sort_key_floor(*e)));
                parts.push("m.sort_key < ?");
            }
            if parts.is_empty() {
                "1".to_owned()
            } else {
                parts.join(" AND ")
            }
        }
        Term::HasAttachment => "m.has_attachment = 1".to_owned(),
        Term::Is(s) => match s {
            Status::Unread => "m.flags & 1 = 0",
            Status::Read => "m.flags & 1 <> 0",
            Status::Replied => "m.flags & 2 <> 0",
            Status::Flagged => "m.flags & 4 <> 0",
            Status::Draft => "m.flags & 16 <> 0",
            Status::Automated => "m.automated = 1",
            Status::Human => "m.automated = 0",
        }
        .to_owned(),
    }
}
