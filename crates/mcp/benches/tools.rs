//! Tool-call latency through the real MCP client (the official Python SDK) over stdio, on a
//! large cache built from fixture mail. `MAILCALL_MCP_BENCH_MESSAGES` sets the size
//! (default 300,000).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use mailcall_mail::{parse_message, Config, Flags, MailboxRole, NewMessage, Store, Uid};
use mailcall_testkit::fixture::{Fixture, Folder};
use serde_json::{json, Value};

#[allow(dead_code)]
#[path = "../tests/mcp/lab.rs"]
mod lab;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(bench_tool_latency());
}

async fn bench_tool_latency() {
    let n: u64 = std::env::var("MAILCALL_MCP_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.sqlite");
    let mut store = Store::open(&path, None).unwrap();
    let fixture = Fixture::new(2025).messages(n);
    let mut boxes: BTreeMap<Folder, (mailcall_mail::MailboxId, u32, Vec<NewMessage>)> =
        BTreeMap::new();
    for folder in Folder::ALL {
        let role = (folder.name() == "INBOX").then_some(MailboxRole::Inbox);
        boxes.insert(
            folder,
            (
                store.ensure_mailbox(folder.name(), role).unwrap(),
                0,
                Vec::new(),
            ),
        );
    }
    let started = std::time::Instant::now();
    for msg in fixture.iter() {
        let parsed = parse_message(&msg.bytes);
        let entry = boxes.get_mut(&msg.folder).unwrap();
        entry.1 += 1;
        entry.2.push(NewMessage {
            uid: Uid::new(entry.1).unwrap(),
            flags: Flags {
                seen: msg.flags.seen,
                answered: msg.flags.answered,
                flagged: msg.flags.flagged,
                draft: msg.flags.draft,
                ..Flags::default()
            },
            modseq: None,
            internal_date: Some(msg.date),
            size: u32::try_from(msg.bytes.len()).ok(),
            meta: parsed.meta,
            body_text: parsed.body_text,
        });
        if entry.2.len() >= 5_000 {
            let pending = std::mem::take(&mut entry.2);
            store.upsert_messages(entry.0, &pending).unwrap();
        }
    }
    for (id, _, pending) in boxes.into_values() {
        store.upsert_messages(id, &pending).unwrap();
    }
    store.optimize().unwrap();
    drop(store);
    eprintln!(
        "cache of {n} messages built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut account = mailcall_mail::Account::new("bench", "127.0.0.1", "me");
    account.cache_path = Some(path);
    account.addresses = vec!["me@corp.example".to_owned()];
    let config = dir.path().join("config.toml");
    let mut c = Config::default();
    c.add(account).unwrap();
    c.save(&config).unwrap();
    let script = json!({
        "repeat": 200,
        "calls": [
            {"label": "search (words + field)", "tool": "search", "args": {"query": "invoice from:example.com"}},
            {"label": "search (is:unread, newest first)", "tool": "search", "args": {"query": "is:unread"}},
            {"label": "list_messages INBOX page 1", "tool": "list_messages", "args": {"folder": "INBOX"}},
            {"label": "list_messages INBOX cursor 10000", "tool": "list_messages", "args": {"folder": "INBOX", "cursor": "10000"}},
            {"label": "waiting_for_reply", "tool": "waiting_for_reply"},
        ],
    });
    let out = lab::client(
        &[
            "stdio",
            lab::server_bin(),
            "--config",
            config.to_str().unwrap(),
            "--account",
            "bench",
        ],
        &script,
    );
    for (i, r) in out["results"].as_array().unwrap().iter().enumerate() {
        assert_eq!(r["is_error"], false, "call {i}: {r}");
    }
    let figures: &Value = &out["latency_ms"];
    println!("messages: {n}");
    println!("{}", serde_json::to_string_pretty(figures).unwrap());
}
