//! The search language: a typed AST, its parser and its compilation to FTS5 + SQL.
//!
//! ```text
//! query  := and
//! and    := or+                      (terms side by side must all match)
//! or     := unary ("OR" unary)*
//! unary  := "-" unary | "(" and ")" | term
//! term   := word | "phrase" | field ":" (word | "phrase")
//! field  := from | to | cc | subject | body | folder | list | date | before | after | has | is
//! ```
//!
//! Words match whole tokens; `word*` matches a prefix. `date:` takes `YYYY`, `YYYY-MM`,
//! `YYYY-MM-DD` or a range `A..B` (either end may be left out), in UTC, the end period
//! included. `before:X` is strictly before X begins; `after:X` is after X ends.
//! `from:` with an address (`a@b.example`) or a domain (`b.example`) compares the
//! sender's address or domain exactly; other `from:` values search the sender's name
//! and address as text.
//!
//! Invariant: user text only ever reaches SQLite as bound parameters; inside the FTS5
//! expression every word is a double-quoted string with quotes doubled.

mod compile;
mod date;
mod parse;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use compile::Compiled;
pub use parse::parse;

/// A parsed query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    /// All must match; empty matches everything.
    And(Vec<Query>),
    /// One must match.
    Or(Vec<Query>),
    Not(Box<Query>),
    Term(Term),
}

/// Where a text term is searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextField {
    Any,
    From,
    To,
    Cc,
    Subject,
    Body,
}

/// A message state for `is:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Unread,
    Read,
    Flagged,
    Replied,
    Draft,
    Automated,
    Human,
}

/// One condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Term {
    Text {
        field: TextField,
        text: String,
        /// Written in double quotes.
        phrase: bool,
        /// Written with a trailing `*`.
        prefix: bool,
    },
    /// A mailbox name (any case) or special-use role (`sent`, `drafts`, ...).
    Folder(String),
    /// Part of a List-Id.
    List(String),
    /// Unix seconds, `start <= date < end`.
    Date {
        start: Option<i64>,
        end: Option<i64>,
    },
    HasAttachment,
    Is(Status),
}

/// Why a query could not be parsed: `position` counts characters (not bytes) from 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("at character {position}: {message}")]
pub struct QueryError {
    pub position: usize,
    pub message: String,
}

impl QueryError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> QueryError {
        QueryError {
            position,
            message: message.into(),
        }
    }
}

/// How results are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchOrder {
    /// Best match first (BM25, subject weighted highest); newest first without text terms.
    Relevance,
    #[default]
    NewestFirst,
    OldestFirst,
}
