//! Malformed input never panics: the fixture's deliberately broken messages are cached
//! with what can be read, and the fuzz entry points run over the seed corpus in
//! `fuzz/corpus` plus inline cases, so CI exercises them without `cargo fuzz`.

use std::path::Path;

use mailcall_mail::{parse_message, parse_query, Flags, NewMessage, SearchOrder, Store, Uid};
use mailcall_testkit::fixture::Fixture;

use super::ingest::with_store;

const MESSAGES: &[&[u8]] = &[
    b"",
    b"\r\n\r\n",
    b"garbage without headers",
    b"Subject: =?UTF-8?B?!!!?=\r\nFrom: <<<>>>\r\nMessage-ID: <>\r\nDate: 99 Zzz 99999\r\n\r\n\0\0\0",
    b"From: \xff\xfe\r\nSubject: \xc3\x28\r\nReferences: <a> <a> <<b>>\r\n\r\n\xff",
    b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--y\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x",
    b"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n--\r\n",
    b"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment\r\n\r\nQUJD=",
    b"In-Reply-To: \r\nReferences: \r\nList-Id: \r\nAuto-Submitted:\r\nPrecedence:\r\n\r\n",
];

const QUERIES: &[&str] = &[
    "",
    " ",
    "\"",
    "\"\"",
    "-",
    "--x",
    "(",
    ")",
    "()",
    "((a)",
    "a OR",
    "OR a",
    "a OR OR b",
    "from:",
    "from:\"",
    "date:..",
    "date:2025-02-30",
    "date:2025..2024",
    "before:x",
    "is:what",
    "has:nothing",
    "x:y",
    "a*",
    "*",
    "\"*\"*",
    "NOT",
    "AND",
    "subject:\"a \"\" b\"",
    "日本語 OR -ελληνικά",
    "\u{0}",
    "from:@",
    "from:a@",
    "list:",
    "folder:\"\"",
];

fn messages_in(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

#[test]
fn malformed_corpus_parses_and_caches_without_panic() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/message");
    let mut inputs: Vec<Vec<u8>> = MESSAGES.iter().map(|m| m.to_vec()).collect();
    inputs.extend(messages_in(&corpus));
    let deep = format!("{}{}", "(".repeat(5_000), ")".repeat(5_000));
    let mut store = Store::open_in_memory().unwrap();
    let inbox = store.ensure_mailbox("INBOX", None).unwrap();
    let batch: Vec<NewMessage> = inputs
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let p = parse_message(raw);
            assert!(!p.meta.message_id.is_empty());
            NewMessage {
                uid: Uid::new(i as u32 + 1).unwrap(),
                flags: Flags::default(),
                modseq: None,
                internal_date: Some(1_000),
                size: None,
                meta: p.meta,
                body_text: p.body_text,
            }
        })
        .collect();
    store.upsert_messages(inbox, &batch).unwrap();
    assert_eq!(store.stats().unwrap().messages, batch.len() as u64);

    let query_corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/query");
    let mut queries: Vec<String> = QUERIES.iter().map(|q| q.to_string()).collect();
    queries.push(deep);
    queries.extend(
        messages_in(&query_corpus)
            .into_iter()
            .map(|b| String::from_utf8_lossy(&b).into_owned()),
    );
    for q in &queries {
        if let Ok(parsed) = parse_query(q) {
            parsed.compile();
            // Any query that parses must also run.
            store
                .search_query(&parsed, SearchOrder::Relevance, 0, 5)
                .unwrap();
        }
    }
}

#[test]
fn fixture_malformed_messages_are_cached_with_what_can_be_read() {
    with_store(|store, manifest| {
        assert!(manifest.malformed.total > 0);
        // Every generated message is in the cache, broken ones included.
        assert_eq!(store.stats().unwrap().messages, manifest.messages);
        for m in manifest
            .malformed
            .items
            .iter()
            .filter_map(|m| m.message_id.as_ref())
        {
            let t = store.thread_of(m).unwrap();
            assert!(t.is_some(), "malformed message {m} not cached");
        }
    });
    // And parsing them directly never panics, and every one keeps a sender.
    for msg in Fixture::new(7)
        .messages(1_500)
        .iter()
        .filter(|m| m.defect.is_some())
    {
        let p = parse_message(&msg.bytes);
        let from = p.meta.from.map(|a| a.addr).unwrap_or_default();
        assert_eq!(from, msg.from, "{:?}", msg.defect);
        assert_eq!(p.meta.automated, msg.automated, "{:?}", msg.defect);
    }
}
