//! The parser of the search language: a lexer that reads terms with their fields, then a
//! recursive-descent parser over the tokens. Positions are character offsets.
//!
//! Invariants: never panics on any input; nesting deeper than [`MAX_DEPTH`] is an error
//! rather than a stack overflow.

use super::date::period;
use super::{Query, QueryError, Status, Term, TextField};

/// Deepest nesting of parentheses and negations accepted.
const MAX_DEPTH: usize = 64;

const FIELDS: &str = "from, to, cc, subject, body, folder, list, date, before, after, has, is";

#[derive(Debug)]
enum Tok {
    Open,
    Close,
    Or,
    Neg,
    Term(Term),
}

struct Lexer<'a> {
    chars: &'a [char],
    i: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    /// Reads a quoted phrase starting at the opening quote; returns it and a prefix flag.
    fn phrase(&mut self) -> Result<(String, bool), QueryError> {
        let open = self.i;
        self.i += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(QueryError::new(open, "this quote is never closed")),
                Some('"') => {
                    self.i += 1;
                    break;
                }
                Some(c) => {
                    text.push(c);
                    self.i += 1;
                }
            }
        }
        let prefix = self.peek() == Some('*');
        if prefix {
            self.i += 1;
        }
        Ok((text, prefix))
    }

    fn word(&mut self) -> String {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, '(' | ')' | '"') {
                break;
            }
            self.i += 1;
        }
        self.chars[start..self.i].iter().collect()
    }

    fn next(&mut self) -> Result<Option<(usize, Tok)>, QueryError> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
        let pos = self.i;
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        let tok = match c {
            '(' => {
                self.i += 1;
                Tok::Open
            }
            ')' => {
                self.i += 1;
                Tok::Close
            }
            '-' => {
                self.i += 1;
                match self.peek() {
                    Some(n) if !n.is_whitespace() && n != ')' => Tok::Neg,
                    _ => {
                        return Err(QueryError::new(
                            pos,
                            "`-` must be followed by the term it excludes",
                        ))
                    }
                }
            }
            '"' => {
                let (text, prefix) = self.phrase()?;
                Tok::Term(text_term(TextField::Any, text, true, prefix, pos)?)
            }
            _ => {
                let word = self.word();
                if word == "OR" {
                    Tok::Or
                } else {
                    self.field_or_text(pos, word)?
                }
            }
        };
        Ok(Some((pos, tok)))
    }

    fn field_or_text(&mut self, pos: usize, word: String) -> Result<Tok, QueryError> {
        let field = word
            .split_once(':')
            .filter(|(f, _)| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphabetic()));
        let Some((field, value)) = field else {
            let (text, prefix) = strip_star(&word);
            return Ok(Tok::Term(text_term(
                TextField::Any,
                text,
                false,
                prefix,
                pos,
            )?));
        };
        let field = field.to_ascii_lowercase();
        let value_pos = pos + field.chars().count() + 1;
        let (value, phrase, prefix) = if value.is_empty() && self.peek() == Some('"') {
            let (v, p) = self.phrase()?;
            (v, true, p)
        } else {
            let (v, p) = strip_star(value);
            (v, false, p)
        };
        if value.is_empty() && !phrase {
            return Err(QueryError::new(
                value_pos,
                format!("`{field}:` needs a value after the colon"),
            ));
        }
        let text_field = match field.as_str() {
            "from" => Some(TextField::From),
            "to" => Some(TextField::To),
            "cc" => Some(TextField::Cc),
            "subject" => Some(TextField::Subject),
            "body" => Some(TextField::Body),
            _ => None,
        };
        if let Some(f) = text_field {
            return Ok(Tok::Term(text_term(f, value, phrase, prefix, value_pos)?));
        }
        let term = match field.as_str() {
            "folder" | "in" => Term::Folder(value),
            "list" => Term::List(value.to_lowercase()),
            "date" => date_range(&value, value_pos)?,
            "before" => {
                let (start, _) = period(&value).map_err(|m| QueryError::new(value_pos, m))?;
                Term::Date { start: None, end: Some(start) }
            }
            "after" => {
                let (_, end) = period(&value).map_err(|m| QueryError::new(value_pos, m))?;
                Term::Date { start: Some(end), end: None }
            }
            "has" => match value.to_lowercase().as_str() {
                "attachment" | "attachments" => Term::HasAttachment,
                _ => return Err(QueryError::new(value_pos, format!("unknown `has:{value}`; use has:attachment"))),
            },
            "is" => Term::Is(match value.to_lowercase().as_str() {
                "unread" | "unseen" => Status::Unread,
                "read" | "seen" => Status::Read,
                "flagged" | "starred" => Status::Flagged,
                "replied" | "answered" => Status::Replied,
                "draft" => Status::Draft,
                "automated" | "bulk" => Status::Automated,
                "human" => Status::Human,
                _ => {
                    return Err(QueryError::new(
                        value_pos,
                        format!("unknown `is:{value}`; use unread, read, flagged, replied, draft, automated or human"),
                    ))
                }
            }),
            _ => {
                return Err(QueryError::new(
                    pos,
                    format!("unknown field `{field}:`; known fields are {FIELDS} (quote the word to search for it as text)"),
                ))
            }
        };
        Ok(Tok::Term(term))
    }
}

fn strip_star(s: &str) -> (String, bool) {
    match s.strip_suffix('*') {
        Some(rest) => (rest.to_owned(), true),
        None => (s.to_owned(), false),
    }
}

fn text_term(
    field: TextField,
    text: String,
    phrase: bool,
    prefix: bool,
    pos: usize,
) -> Result<Term, QueryError> {
    if !text.chars().any(char::is_alphanumeric) {
        let shown = if text.is_empty() {
            "an empty phrase".to_owned()
        } else {
            format!("`{text}`")
        };
        return Err(QueryError::new(
            pos,
            format!("{shown} has no letters or digits to search for"),
        ));
    }
    Ok(Term::Text {
        field,
        text,
        phrase,
        prefix,
    })
}

fn date_range(value: &str, pos: usize) -> Result<Term, QueryError> {
    let Some((a, b)) = value.split_once("..") else {
        let (start, end) = period(value).map_err(|m| QueryError::new(pos, m))?;
        return Ok(Term::Date {
            start: Some(start),
            end: Some(end),
        });
    };
    if a.is_empty() && b.is_empty() {
        return Err(QueryError::new(
            pos,
            "a date range needs at least one end, as in 2025-01..2025-06",
        ));
    }
    let b_pos = pos + a.chars().count() + 2;
    let start = (!a.is_empty())
        .then(|| period(a).map(|p| p.0).map_err(|m| QueryError::new(pos, m)))
        .transpose()?;
    let end = (!b.is_empty())
        .then(|| {
            period(b)
                .map(|p| p.1)
                .map_err(|m| QueryError::new(b_pos, m))
        })
        .transpose()?;
    if let (Some(s), Some(e)) = (start, end) {
        if s >= e {
            return Err(QueryError::new(
                pos,
                format!("the range `{value}` ends before it starts"),
            ));
        }
    }
    Ok(Term::Date { start, end })
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    i: usize,
    end: usize,
}

impl Parser {
    fn pos(&self) -> usize {
        self.toks.get(self.i).map_or(self.end, |t| t.0)
    }

    fn and(&mut self, depth: usize) -> Result<Query, QueryError> {
        let mut items = Vec::new();
        while let Some((pos, tok)) = self.toks.get(self.i) {
            match tok {
                Tok::Close => break,
                Tok::Or => {
                    let pos = *pos;
                    return Err(QueryError::new(pos, "`OR` needs a term before it"));
                }
                _ => items.push(self.or(depth)?),
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Query::And(items)
        })
    }

    fn or(&mut self, depth: usize) -> Result<Query, QueryError> {
        let mut items = vec![self.unary(depth)?];
        while matches!(self.toks.get(self.i), Some((_, Tok::Or))) {
            let or_pos = self.pos();
            self.i += 1;
            match self.toks.get(self.i) {
                None | Some((_, Tok::Close)) | Some((_, Tok::Or)) => {
                    return Err(QueryError::new(or_pos, "`OR` needs a term after it"));
                }
                _ => items.push(self.unary(depth)?),
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Query::Or(items)
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Query, QueryError> {
        let pos = self.pos();
        if depth >= MAX_DEPTH {
            return Err(QueryError::new(
                pos,
                format!("nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let Some((_, tok)) = self.toks.get_mut(self.i) else {
            return Err(QueryError::new(pos, "a term is missing here"));
        };
        match std::mem::replace(tok, Tok::Or) {
            Tok::Neg => {
                self.i += 1;
                Ok(Query::Not(Box::new(self.unary(depth + 1)?)))
            }
            Tok::Open => {
                self.i += 1;
                let inner = self.and(depth + 1)?;
                match self.toks.get(self.i) {
                    Some((_, Tok::Close)) => {
                        self.i += 1;
                        if inner == Query::And(Vec::new()) {
                            return Err(QueryError::new(pos, "these parentheses are empty"));
                        }
                        Ok(inner)
                    }
                    _ => Err(QueryError::new(pos, "this `(` is never closed")),
                }
            }
            Tok::Term(t) => {
                self.i += 1;
                Ok(Query::Term(t))
            }
            Tok::Close => Err(QueryError::new(pos, "this `)` has no matching `(`")),
            Tok::Or => Err(QueryError::new(pos, "`OR` needs a term before it")),
        }
    }
}

/// Parses a query. An empty query matches every message.
pub fn parse(input: &str) -> Result<Query, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut lexer = Lexer {
        chars: &chars,
        i: 0,
    };
    let mut toks = Vec::new();
    while let Some(t) = lexer.next()? {
        toks.push(t);
    }
    let mut parser = Parser {
        toks,
        i: 0,
        end: chars.len(),
    };
    let q = parser.and(0)?;
    if parser.i < parser.toks.len() {
        return Err(QueryError::new(
            parser.pos(),
            "this `)` has no matching `(`",
        ));
    }
    Ok(q)
}
