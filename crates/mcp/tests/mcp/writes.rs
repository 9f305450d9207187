//! Changes through MCP: direct flag and move changes replayed on the server, sort plans
//! applied by id (unknown and stale ids refused), a sync in parallel with tool calls on
//! the same cache.

use mailcall_mail::{sync_account, Config, Connection, Password, Store, SyncOptions};
use serde_json::json;
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
