//! Golden cases of the search language: the AST of well-formed queries, the position and
//! message of errors, and the compiled FTS/SQL shape.

use super::{parse, Query, Status, Term, TextField};

fn text(field: TextField, t: &str) -> Query {
    Query::Term(Term::Text {
        field,
        text: t.to_owned(),
        phrase: false,
        prefix: false,
    })
}

#[test]
fn golden_asts() {
    assert_eq!(parse("").ok(), Some(Query::And(vec![])));
    assert_eq!(parse("hello").ok(), Some(text(TextField::Any, "hello")));
    assert_eq!(
        parse("from:alice subject:\"q3 plan\" -body:draft*").ok(),
        Some(Query::And(vec![
            text(TextField::From, "alice"),
            Query::Term(Term::Text {
                field: TextField::Subject,
                text: "q3 plan".into(),
                phrase: true,
                prefix: false
            }),
            Query::Not(Box::new(Query::Term(Term::Text {
                field: TextField::Body,
                text: "draft".into(),
                phrase: false,
                prefix: true
            }))),
        ]))
    );
    assert_eq!(
        parse("a b OR c").ok(),
        Some(Query::And(vec![
            text(TextField::Any, "a"),
            Query::Or(vec![text(TextField::Any, "b"), text(TextField::Any, "c")])
        ]))
    );
    assert_eq!(
        parse("is:unread has:attachment folder:INBOX list:Rust").ok(),
        Some(Query::And(vec![
            Query::Term(Term::Is(Status::Unread)),
            Query::Term(Term::HasAttachment),
            Query::Term(Term::Folder("INBOX".into())),
            Query::Term(Term::List("rust".into())),
        ]))
    );
    assert_eq!(
        parse("date:2025-01..2025-06").ok(),
        Some(Query::Term(Term::Date {
            start: Some(1_735_689_600),
            end: Some(1_751_328_000)
        }))
    );
    assert_eq!(
        parse("before:2025 after:2024-12-30").ok(),
        Some(Query::And(vec![
            Query::Term(Term::Date {
                start: None,
                end: Some(1_735_689_600)
            }),
            Query::Term(Term::Date {
                start: Some(1_735_603_200),
                end: None
            }),
        ]))
    );
    assert_eq!(
        parse("会議 Ελλάδα").ok(),
        Some(Query::And(vec![
            text(TextField::Any, "会議"),
            text(TextField::Any, "Ελλάδα")
        ]))
    );
    // Colons in words that are not field names are text.
    assert_eq!(parse("10:30").ok(), Some(text(TextField::Any, "10:30")));
}

#[test]
fn golden_errors() {
    let cases: &[(&str, usize, &str)] = &[
        ("from:", 5, "`from:` needs a value"),
        ("a \"open", 2, "never closed"),
        ("date:2025-13", 5, "month 13"),
        ("date:2025-01..2025-02-30", 14, "day 30"),
        ("date:2025..2024", 5, "ends before it starts"),
        ("is:maybe", 3, "unknown `is:maybe`"),
        ("has:pdf", 4, "has:attachment"),
        ("foo:bar", 0, "unknown field `foo:`"),
        ("OR a", 0, "`OR` needs a term before it"),
        ("a OR", 2, "`OR` needs a term after it"),
        ("a (b", 2, "never closed"),
        ("a )", 2, "no matching `(`"),
        ("()", 0, "empty"),
        ("- a", 0, "`-` must be followed"),
        ("日本 \"\"", 3, "empty phrase"),
        ("subject:!!", 8, "no letters or digits"),
    ];
    for (q, pos, msg) in cases {
        match parse(q) {
            Err(e) => {
                assert_eq!(e.position, *pos, "{q}: {e}");
                assert!(e.message.contains(msg), "{q}: {e}");
            }
            Ok(ast) => panic!("{q} parsed as {ast:?}"),
        }
    }
    assert!(parse(&"(".repeat(1000)).is_err());
    assert!(parse(&"-a ".repeat(1000)).is_ok());
}

#[test]
fn compiled_shapes_bind_user_text() {
    let c = parse("subject:\"a\"\"b\" from:bob@x.example -spam is:unread")
        .unwrap_or(Query::And(vec![]))
        .compile();
    assert_eq!(
        c.fts.as_deref(),
        Some("({subject} : \"a\" AND \"b\") NOT (\"spam\")")
    );
    assert_eq!(c.sql, "m.from_addr = ? AND m.flags & 1 = 0");
    assert_eq!(c.params.len(), 1);
    let c = parse("from:x.example OR 会議室")
        .unwrap_or(Query::And(vec![]))
        .compile();
    assert_eq!(c.fts, None);
    assert_eq!(
        c.sql,
        "((m.from_domain = ?) OR (m.sort_key IN (SELECT rowid FROM fts WHERE fts MATCH ?)))"
    );
    assert_eq!(
        c.params,
        vec![
            rusqlite::types::Value::Text("x.example".into()),
            rusqlite::types::Value::Text("\"会議 議室\"".into())
        ]
    );
    let c = parse("-foo").unwrap_or(Query::And(vec![])).compile();
    assert_eq!(
        (c.fts, c.sql.as_str()),
        (
            None,
            "m.sort_key NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
        )
    );
}

/// A top-level OR next to another condition lost its parentheses, so
/// `folder:INBOX OR folder:Lists from:shop.example` matched all of INBOX.
#[test]
fn top_level_or_keeps_its_parentheses_next_to_other_conditions() {
    let c = parse("folder:INBOX OR folder:Lists from:shop.example")
        .unwrap_or(Query::And(vec![]))
        .compile();
    assert!(
        c.sql.starts_with("((m.mailbox_id") && c.sql.ends_with(") AND m.from_domain = ?"),
        "{}",
        c.sql
    );
}
