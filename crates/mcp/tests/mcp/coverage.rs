//! The change tools no other test calls (sync, flag, archive, copy, drafts, replay), each
//! checked in the cache through tools and on the server through a second IMAP client,
//! and reads from an encrypted cache whose key lives in the keyring.

use mailcall_mail::{
    sync_account, Config, Connection, Flags, Keyring, Password, Store, SyncOptions, Uid,
};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::{ok, setup, stdio, Setup, PASSWORD};

async fn connect(s: &Setup) -> Connection {
    Connection::open(&s.account, &Password::new(PASSWORD))
        .await
        .unwrap()
}

/// UIDs in `folder` on the server whose Message-ID header is `message_id`.
async fn server_uids(s: &Setup, folder: &str, message_id: &str) -> Vec<Uid> {
    let mut conn = connect(s).await;
    conn.select(folder, &Default::default()).await.unwrap();
    let uids = conn.uids_with_message_id(message_id).await.unwrap();
    conn.logout().await;
    uids
}

/// Every message in `folder` on the server: its flags and raw text.
async fn server_messages(s: &Setup, folder: &str) -> Vec<(Flags, String)> {
    let mut conn = connect(s).await;
    conn.select(folder, &Default::default()).await.unwrap();
    let uids = conn.all_uids().await.unwrap();
    let flags = conn.fetch_flags("1:*", None).await.unwrap();
    let bodies = conn.fetch_bodies(&uids).await.unwrap();
    conn.logout().await;
    bodies
        .into_iter()
        .map(|b| {
            let f = flags
                .iter()
                .find(|f| f.uid == b.uid)
                .and_then(|f| f.flags.clone())
                .unwrap_or_default();
            (f, String::from_utf8_lossy(&b.body.unwrap()).into_owned())
        })
        .collect()
}

fn header_id(v: &Value) -> String {
    v["header_message_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn change_tools_reach_the_server() {
    let s = setup(21, 60, true, &[]).await;

    // Another client delivers a message the cache has not seen yet.
    let token = "qzxlatearrival";
    let raw = format!(
        "From: Late <late@elsewhere.example>\r\nTo: me@corp.example\r\nSubject: {token} news\r\n\
         Message-ID: <late-1@elsewhere.example>\r\nDate: Mon, 02 Jun 2025 10:00:00 +0000\r\n\r\n\
         Body with {token}.\r\n"
    );
    let mut conn = connect(&s).await;
    conn.append_message("INBOX", &[], raw.as_bytes())
        .await
        .unwrap();
    conn.logout().await;

    let out = stdio(
        &s,
        json!([
            {"tool": "search", "args": {"query": token}},
            {"tool": "sync_cache"},
            {"tool": "search", "args": {"query": token}},
            {"tool": "find_messages", "args": {"folder": "INBOX", "flagged": false, "limit": 4}},
        ]),
    );
    assert!(ok(&out, 0)["messages"].as_array().unwrap().is_empty());
    assert!(
        ok(&out, 1)["report"]["folders"].is_array(),
        "{}",
        ok(&out, 1)
    );
    let found = ok(&out, 2)["messages"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(header_id(&found[0]), "late-1@elsewhere.example");
    let inbox = ok(&out, 3)["messages"].as_array().unwrap().clone();
    assert_eq!(inbox.len(), 4);
    let ids: Vec<i64> = inbox
        .iter()
        .map(|m| m["message_id"].as_i64().unwrap())
        .collect();
    let (flag, archive, copy, reply_to) = (ids[0], ids[1], ids[2], ids[3]);

    let out = stdio(
        &s,
        json!([
            {"tool": "flag_messages", "args": {"message_ids": [flag]}},
            {"tool": "archive_messages", "args": {"message_ids": [archive]}},
            {"tool": "copy_messages", "args": {"message_ids": [copy], "folder": "Sent"}},
            {"tool": "save_draft", "args": {"to": ["bob@example.org"], "subject": "qzxdraft plan", "body": "A new draft."}},
            {"tool": "save_reply_draft", "args": {"message_id": reply_to, "body": "Thanks, noted."}},
            {"tool": "replay_changes"},
            {"tool": "find_messages", "args": {"flagged": true, "limit": 200}},
            {"tool": "get_message", "args": {"message_id": archive}},
            {"tool": "find_messages", "args": {"folder": "Drafts", "limit": 200}},
            {"tool": "sync_status"},
        ]),
    );
    for i in 0..6 {
        assert_eq!(
            ok(&out, i)["pending_changes"],
            0,
            "call {i}: {}",
            ok(&out, i)
        );
    }
    assert!(ok(&out, 6)["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["message_id"] == flag));
    assert_eq!(ok(&out, 7)["folder"], "Archive");
    assert_eq!(
        ok(&out, 8)["messages"].as_array().unwrap().len(),
        2,
        "{}",
        ok(&out, 8)
    );
    assert!(ok(&out, 9)["pending_changes"]
        .as_array()
        .unwrap()
        .is_empty());

    // The server agrees with the cache.
    let mid = |id: i64| header_id(inbox.iter().find(|m| m["message_id"] == id).unwrap());
    let flagged_id = mid(flag);
    let server_inbox = server_messages(&s, "INBOX").await;
    assert!(server_inbox
        .iter()
        .any(|(f, raw)| f.flagged && raw.contains(&flagged_id)));
    assert!(server_uids(&s, "INBOX", &mid(archive)).await.is_empty());
    assert_eq!(server_uids(&s, "Archive", &mid(archive)).await.len(), 1);
    assert_eq!(server_uids(&s, "INBOX", &mid(copy)).await.len(), 1);
    assert_eq!(server_uids(&s, "Sent", &mid(copy)).await.len(), 1);

    let drafts = server_messages(&s, "Drafts").await;
    assert_eq!(drafts.len(), 2, "{drafts:?}");
    assert!(drafts.iter().all(|(f, _)| f.draft));
    assert!(drafts
        .iter()
        .any(|(_, raw)| raw.contains("qzxdraft plan") && raw.contains("bob@example.org")));
    let in_reply_to = format!("<{}>", mid(reply_to));
    assert!(
        drafts.iter().any(|(_, raw)| raw
            .lines()
            .any(
                |l| l.to_ascii_lowercase().starts_with("in-reply-to:") && l.contains(&in_reply_to)
            )),
        "{drafts:?}"
    );
}

#[tokio::test]
async fn an_encrypted_cache_answers_searches() {
    let s = setup(22, 80, false, &[]).await;
    let needle = s.manifest.needle.clone().expect("needle");
    // The same account with an encrypted cache; its key is created in the keyring like
    // the command line does on the first sync.
    let mut account = s.account.clone();
    account.encrypt_cache = true;
    account.cache_path = Some(s.dir.path().join("encrypted.sqlite"));
    let key = Keyring::default()
        .cache_key(&account.name, true)
        .await
        .unwrap()
        .expect("key created");
    let mut store = Store::open(account.cache_file().unwrap(), Some(&key)).unwrap();
    sync_account(
        &account,
        &Password::new(PASSWORD),
        &mut store,
        &SyncOptions {
            bodies: true,
            ..SyncOptions::default()
        },
        &mut |_| {},
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    drop(store);
    // Without the key the file is unreadable: it really is encrypted.
    assert!(Store::open(account.cache_file().unwrap(), None).is_err());
    let config = s.dir.path().join("encrypted.toml");
    let mut c = Config::default();
    c.add(account.clone()).unwrap();
    c.save(&config).unwrap();
    let encrypted = Setup {
        config,
        account,
        ..s
    };

    let out = stdio(
        &encrypted,
        json!([
            {"tool": "search", "args": {"query": needle.token}},
            {"tool": "cache_stats"},
        ]),
    );
    let found = ok(&out, 0)["messages"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(header_id(&found[0]), needle.message_id);
    assert_eq!(
        ok(&out, 1)["messages"].as_u64(),
        Some(encrypted.manifest.messages)
    );
}
