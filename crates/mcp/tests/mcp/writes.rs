//! Changes through MCP: direct flag and move changes replayed on the server, sort plans
//! applied by id (unknown and stale ids refused), a sync in parallel with tool calls on
//! the same cache, and the latency benchmark.

use std::collections::BTreeMap;

use mailcall_mail::{
    parse_message, sync_account, Config, Connection, Flags, MailboxRole, NewMessage, Password,
    Store, SyncOptions, Uid,
};
use mailcall_testkit::fixture::{Fixture, Folder};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::{failed, ok, setup, stdio, stdio_script, Setup, PASSWORD};

async fn server_count(s: &Setup, folder: &str) -> usize {
    let mut conn = Connection::open(&s.account, &Password::new(PASSWORD))
        .await
        .unwrap();
    conn.select(folder, &Default::default()).await.unwrap();
    let n = conn.all_uids().await.unwrap().len();
    conn.logout().await;
    n
}

#[tokio::test]
async fn plans_apply_by_id_and_stale_plans_are_refused() {
    let s = setup(11, 300, true, &[]).await;
    let m = &s.manifest;
    let domain = m.top_domains[0].key.clone();
    let inbox_before = server_count(&s, "INBOX").await;
    let archive_before = server_count(&s, "Archive").await;
    let out = stdio(
        &s,
        json!([
            {"tool": "find_messages", "args": {"unread": true, "folder": "INBOX", "limit": 1}},
            {"tool": "find_messages", "args": {"from": domain, "folder": "INBOX", "limit": 1}},
            {"tool": "plan_auto_archive", "args": {"senders": [domain], "archive_folder": "Archive"}},
            {"tool": "sort_apply", "args": {"plan_id": "0000-unknown"}},
        ]),
    );
    let unread = ok(&out, 0)["messages"][0]["message_id"].as_i64().unwrap();
    let from_domain = ok(&out, 1)["messages"][0]["message_id"].as_i64().unwrap();
    let first_plan = ok(&out, 2)["plan_id"].as_str().unwrap().to_owned();
    assert!(ok(&out, 2)["total"].as_u64().unwrap() > 1);
    assert!(failed(&out, 3).contains("sort_plan"));

    let out = stdio(
        &s,
        json!([
            {"tool": "mark_read", "args": {"message_ids": [unread]}},
            {"tool": "move_messages", "args": {"message_ids": [from_domain], "folder": "Archive"}},
            {"tool": "sort_apply", "args": {"plan_id": first_plan}},
            {"tool": "plan_auto_archive", "args": {"senders": [domain], "archive_folder": "Archive"}},
            {"tool": "move_messages", "args": {"message_ids": (1..=51).collect::<Vec<i64>>(), "folder": "Archive"}},
        ]),
    );
    let marked = ok(&out, 0);
    assert_eq!(marked["pending_changes"], 0, "{marked}");
    assert_eq!(ok(&out, 1)["pending_changes"], 0);
    assert!(failed(&out, 2).contains("stale"));
    let plan = ok(&out, 3).clone();
    let planned = plan["total"].as_u64().unwrap() as usize;
    assert!(failed(&out, 4).contains("sort_plan"));

    let out = stdio(
        &s,
        json!([
            {"tool": "sort_apply", "args": {"plan_id": plan["plan_id"]}},
            {"tool": "find_messages", "args": {"from": domain, "folder": "INBOX"}},
            {"tool": "sort_plan_status", "args": {"plan_id": plan["plan_id"]}},
        ]),
    );
    assert_eq!(
        ok(&out, 0)["report"]["moved"].as_u64(),
        Some(planned as u64)
    );
    assert!(ok(&out, 1)["messages"].as_array().unwrap().is_empty());
    assert_eq!(ok(&out, 2)["state"], "done");
    assert_eq!(server_count(&s, "INBOX").await, inbox_before - 1 - planned);
    assert_eq!(
        server_count(&s, "Archive").await,
        archive_before + 1 + planned
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_calls_during_a_sync_of_the_same_cache_never_see_a_locked_cache() {
    let s = setup(12, 1500, true, &[]).await;
    // A second configuration whose cache starts empty and is filled while tools run.
    let mut account = s.account.clone();
    account.cache_path = Some(s.dir.path().join("fresh.sqlite"));
    let config = s.dir.path().join("fresh.toml");
    let mut c = Config::default();
    c.add(account.clone()).unwrap();
    c.save(&config).unwrap();
    let mut store = Store::open(account.cache_file().unwrap(), None).unwrap();
    let sync = tokio::spawn(async move {
        let opts = SyncOptions {
            batch_size: 25,
            bodies: true,
            body_batch: 25,
            ..SyncOptions::default()
        };
        let password = Password::new(PASSWORD);
        sync_account(
            &account,
            &password,
            &mut store,
            &opts,
            &mut |_| {},
            &CancellationToken::new(),
        )
        .await
    });
    let fresh = Setup { config, ..s };
    let script = json!({
        "repeat": 15,
        "calls": [
            {"tool": "search", "args": {"query": "is:unread"}},
            {"tool": "list_folders"},
            {"tool": "waiting_for_reply"},
            {"tool": "sort_plan", "args": {"rules": [{"to": "Archive", "automated": true}]}},
        ],
    });
    let out = tokio::task::spawn_blocking(move || {
        let out = stdio_script(&fresh, &script);
        (out, fresh)
    })
    .await
    .unwrap()
    .0;
    sync.await.unwrap().expect("sync finished");
    for (i, r) in out["results"].as_array().unwrap().iter().enumerate() {
        assert_eq!(r["is_error"], false, "call {i}: {r}");
        assert!(!r["text"].as_str().unwrap().contains("locked"));
    }
}

/// Tool-call latency through the real client over stdio on a large cache. Run with
/// `MAILCALL_MCP_BENCH_MESSAGES=300000 cargo test -p mailcall-mcp --release -- --ignored --nocapture bench`.
#[tokio::test]
#[ignore = "benchmark"]
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
    let out = crate::client(
        &[
            "stdio",
            crate::server_bin(),
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
