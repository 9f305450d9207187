//! Read tools over stdio and HTTP: answers equal the manifest's; bad arguments and
//! refused writes come back as `isError` results with advice; long bodies are cut.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use mailcall_testkit::keyring::KeyringLab;
use serde_json::{json, Value};

use crate::{client, failed, ok, server_bin, setup, stdio};

#[tokio::test]
async fn stdio_tools_answer_like_the_manifest() {
    let s = setup(7, 300, false, &[]).await;
    let m = &s.manifest;
    let needle = m.needle.clone().expect("needle");
    let out = stdio(
        &s,
        json!([
            {"tool": "account_status"},
            {"tool": "list_folders"},
            {"tool": "list_messages", "args": {"folder": "INBOX", "limit": 5}},
            {"tool": "search", "args": {"query": needle.token}},
            {"tool": "waiting_for_reply", "args": {"limit": 200}},
            {"tool": "top_senders", "args": {"limit": 20}},
            {"tool": "top_senders", "args": {"by": "domain", "limit": 20}},
            {"tool": "never_opened_senders", "args": {"min_messages": 1}},
            {"tool": "cache_stats"},
            {"tool": "sync_status"},
            {"tool": "find_messages", "args": {"unread": true, "limit": 200}},
            {"tool": "find_messages", "args": {"flagged": true, "limit": 200}},
        ]),
    );
    let names: Vec<&str> = out["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for t in [
        "account_status",
        "list_folders",
        "list_messages",
        "get_message",
        "list_attachments",
        "get_thread",
        "search",
        "find_messages",
        "waiting_for_reply",
        "top_senders",
        "never_opened_senders",
        "cache_stats",
        "sync_status",
        "sync_cache",
        "mark_read",
        "flag_messages",
        "move_messages",
        "archive_messages",
        "copy_messages",
        "save_draft",
        "save_reply_draft",
        "replay_changes",
        "sort_plan",
        "plan_auto_archive",
        "sort_plan_status",
        "sort_apply",
        "create_folder",
        "rename_folder",
        "delete_folder",
        "list_rules",
        "save_rule",
        "delete_rule",
        "run_rules",
    ] {
        assert!(names.contains(&t), "missing tool {t}: {names:?}");
    }
    for t in out["tools"].as_array().unwrap() {
        assert!(t["description"].as_str().unwrap().len() > 30, "{t}");
        for (arg, schema) in t["input_schema"]["properties"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let described = schema.get("description").is_some()
                || schema.get("$ref").is_some()
                || schema.get("allOf").is_some();
            assert!(
                described || arg == "subject",
                "{}.{arg} has no description",
                t["name"]
            );
        }
    }
    let status = ok(&out, 0);
    assert_eq!(status["writes_enabled"], false);
    assert_eq!(status["cache"]["messages"].as_u64(), Some(m.messages));
    let folders = ok(&out, 1)["folders"].as_array().unwrap().clone();
    for (name, counts) in &m.by_folder {
        let f = folders
            .iter()
            .find(|f| f["name"] == name.as_str())
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(f["total"].as_u64(), Some(counts.total), "{name}");
        assert_eq!(f["unread"].as_u64(), Some(counts.unseen), "{name}");
    }
    let page = ok(&out, 2);
    assert_eq!(page["messages"].as_array().unwrap().len(), 5);
    assert_eq!(page["next_cursor"], "5");
    assert!(page["untrusted_content"]
        .as_str()
        .unwrap()
        .contains("untrusted"));
    let found = ok(&out, 3)["messages"].as_array().unwrap().clone();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0]["header_message_id"],
        needle.message_id.trim_matches(['<', '>'])
    );
    let waiting = ok(&out, 4);
    assert_eq!(waiting["count"].as_u64(), Some(m.unanswered.total));
    let got: Vec<(String, u64)> = ok(&out, 5)["senders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, u64)> = m
        .top_senders
        .iter()
        .map(|c| (c.key.clone(), c.count))
        .collect();
    assert_eq!(got, want);
    assert_eq!(ok(&out, 5)["automated"].as_u64(), Some(m.automated));
    let domains: Vec<String> = ok(&out, 6)["senders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect();
    let want: Vec<String> = m.top_domains.iter().map(|c| c.key.clone()).collect();
    assert_eq!(domains, want);
    let mut never: Vec<String> = ok(&out, 7)["senders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect();
    never.sort();
    assert_eq!(never, m.never_opened);
    assert_eq!(ok(&out, 8)["unread"].as_u64(), Some(m.flags.unseen));
    assert!(ok(&out, 9)["folders"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["synced"] == true));
    assert_eq!(
        ok(&out, 10)["messages"].as_array().unwrap().len() as u64,
        m.flags.unseen.min(200)
    );
    assert_eq!(
        ok(&out, 11)["messages"].as_array().unwrap().len() as u64,
        m.flags.flagged.min(200)
    );

    // Follow-ups on the needle: the message, its thread, its attachments.
    let id = found[0]["message_id"].as_i64().unwrap();
    let with_attachment = stdio(
        &s,
        json!([{"tool": "find_messages", "args": {"has_attachment": true, "limit": 1}}]),
    );
    let att_id = ok(&with_attachment, 0)["messages"][0]["message_id"]
        .as_i64()
        .unwrap();
    let out = stdio(
        &s,
        json!([
            {"tool": "get_message", "args": {"message_id": id}},
            {"tool": "get_thread", "args": {"message_id": id}},
            {"tool": "list_attachments", "args": {"message_id": att_id, "include_content": true}},
            {"tool": "sort_plan", "args": {"rules": [{"to": "Archive", "automated": true}]}},
        ]),
    );
    let msg = ok(&out, 0);
    assert!(msg["body"]["untrusted_text"]
        .as_str()
        .unwrap()
        .contains(&needle.token));
    assert_eq!(msg["subject"], needle.subject.as_str());
    assert!(ok(&out, 1)["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["message_id"] == id));
    let atts = ok(&out, 2)["attachments"].as_array().unwrap().clone();
    assert!(!atts.is_empty(), "{}", ok(&out, 2));
    assert!(ok(&out, 3)["plan_id"].is_string());
}

#[tokio::test]
async fn bad_arguments_and_refused_writes_are_tool_errors() {
    let big = big_message();
    let s = setup(8, 40, false, &[&big]).await;
    let out = stdio(
        &s,
        json!([
            {"tool": "search", "args": {"query": "subject:(unclosed"}},
            {"tool": "list_messages", "args": {"folder": "NoSuchFolder"}},
            {"tool": "get_message", "args": {"message_id": "not a number"}},
            {"tool": "mark_read", "args": {"message_ids": [1]}},
            {"tool": "sort_apply", "args": {"plan_id": "nope"}},
            {"tool": "list_messages", "args": {"folder": "INBOX", "cursor": "garbage"}},
            {"tool": "find_messages", "args": {"since": "yesterday"}},
            {"tool": "search", "args": {"query": "zanzibarbig"}},
        ]),
    );
    assert!(failed(&out, 0).contains("query"), "{}", failed(&out, 0));
    assert!(failed(&out, 1).contains("list_folders"));
    assert!(!failed(&out, 2).is_empty());
    assert!(failed(&out, 3).contains("mcp_writes"));
    // Read-only comes first: even a valid plan id would be refused.
    assert!(failed(&out, 4).contains("mcp_writes"));
    assert!(failed(&out, 5).contains("cursor"));
    assert!(failed(&out, 6).contains("since"));
    let big_id = ok(&out, 7)["messages"][0]["message_id"].as_i64().unwrap();
    let out = stdio(
        &s,
        json!([
            {"tool": "get_message", "args": {"message_id": big_id}},
            {"tool": "get_message", "args": {"message_id": big_id, "body_offset": 20000}},
            {"tool": "get_message", "args": {"message_id": big_id, "body_offset": 4_000_000, "max_body_bytes": 1000}},
        ]),
    );
    let first = &ok(&out, 0)["body"];
    assert_eq!(first["truncated"], true);
    assert_eq!(first["returned_bytes"], 20000);
    // The cache keeps the first 256 KiB of a body's text; the message itself is 5 MB.
    assert!(
        first["total_bytes"].as_u64().unwrap() > 200_000,
        "{first:#}"
    );
    assert!(ok(&out, 0)["size"].as_u64().unwrap() > 5_000_000);
    assert_eq!(first["next_offset"], 20000);
    assert_eq!(ok(&out, 1)["body"]["offset"], 20000);
    // Past the cache's cut the continuation reads the message from the server.
    let far = &ok(&out, 2)["body"];
    assert_eq!(far["offset"], 4_000_000, "{far:#}");
    assert_eq!(far["returned_bytes"], 1000, "{far:#}");
    let total = far["total_bytes"].as_u64().unwrap();
    assert!(total > 5_000_000, "{far:#}");
    assert!(far["untrusted_text"].as_str().unwrap().contains("ipsum"));
    let out = stdio(
        &s,
        json!([{"tool": "get_message", "args": {"message_id": big_id, "body_offset": total - 10}}]),
    );
    let last = &ok(&out, 0)["body"];
    assert_eq!(last["truncated"], false, "{last:#}");
    assert_eq!(last["returned_bytes"], 10, "{last:#}");
}

/// A 5 MB plain-text message.
pub fn big_message() -> Vec<u8> {
    let mut raw = b"From: Big <big@example.org>\r\nTo: me@corp.example\r\nSubject: zanzibarbig\r\n\
Date: Tue, 1 Jul 2025 10:00:00 +0000\r\nMessage-ID: <big-1@example.org>\r\n\r\n"
        .to_vec();
    let line = b"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod\r\n";
    while raw.len() < 5_200_000 {
        raw.extend_from_slice(line);
    }
    raw
}

#[tokio::test]
async fn http_needs_the_token_and_loopback() {
    let s = setup(9, 60, false, &[]).await;
    let token_file = s.dir.path().join("token");
    std::fs::write(&token_file, "s3cret-token\n").unwrap();
    let refused = Command::new(server_bin())
        .args([
            "--config",
            s.config.to_str().unwrap(),
            "--http",
            "0.0.0.0:0",
        ])
        .arg("--token-file")
        .arg(&token_file)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("loopback"));

    let mut cmd = Command::new(server_bin());
    KeyringLab::shared().unwrap().configure(&mut cmd);
    cmd.args([
        "--config",
        s.config.to_str().unwrap(),
        "--http",
        "127.0.0.1:0",
    ])
    .arg("--token-file")
    .arg(&token_file)
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    let mut server = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(server.stderr.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");

    // Without the token: 401 before any MCP handling.
    let authority = url.trim_start_matches("http://").trim_end_matches("/mcp");
    let mut tcp = std::net::TcpStream::connect(authority).unwrap();
    write!(tcp, "POST /mcp HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}").unwrap();
    let mut reply = String::new();
    tcp.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 401"), "{reply}");

    let needle = s.manifest.needle.clone().unwrap();
    let out = client(
        &["http", &url, "s3cret-token"],
        &json!({"calls": [
            {"tool": "search", "args": {"query": needle.token}},
            {"tool": "cache_stats"},
        ]}),
    );
    server.kill().unwrap();
    let _ = server.wait();
    assert!(out["tools"].as_array().unwrap().len() >= 20);
    assert_eq!(ok(&out, 0)["messages"].as_array().unwrap().len(), 1);
    assert_eq!(ok(&out, 1)["messages"].as_u64(), Some(s.manifest.messages));
    let _: Value = out;
}
