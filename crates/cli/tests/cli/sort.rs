//! The sort, move, flag, replay and draft commands of the built binary against the
//! Dovecot lab: an apply killed with SIGKILL in the middle and run again loses nothing
//! and moves nothing twice; offline changes reach the server at `replay`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mailcall_mail::{parse_headers, Account, Connection, Password, Store};
use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::keyring::KeyringLab;
use serde_json::Value;

use super::{add_account, fixture_lab, ok_json, set_password, Paths, PASSWORD};

pub(super) struct Setup {
    lab: DovecotLab,
    _dir: tempfile::TempDir,
    pub(super) config: PathBuf,
    cache: PathBuf,
    pub(super) account: Account,
}

/// A lab with `n` fixture messages, an account for it in a fresh config, synced.
pub(super) fn setup(seed: u64, n: u64, name: &str) -> Setup {
    let (lab, _) = fixture_lab(seed, n);
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("{name}-{}", std::process::id());
    let (paths, _) = add_account(&lab, dir.path(), &name, &[]);
    let Paths { config, ca, cache } = paths;
    set_password(&config, &name);
    ok_json(&config, &["sync"]);
    let mut account = Account::new(&name, "127.0.0.1", "alice");
    account.port = Some(lab.imaps_port());
    account.ca_file = Some(ca);
    Setup {
        lab,
        _dir: dir,
        config,
        cache,
        account,
    }
}

/// How often each Message-ID occurs in `folder` on the server.
async fn on_server(account: &Account, folder: &str) -> BTreeMap<String, usize> {
    let mut conn = Connection::open(account, &Password::new(PASSWORD))
        .await
        .expect("a separate session");
    conn.select(folder, &Default::default())
        .await
        .expect("select");
    let uids = conn.all_uids().await.expect("uids");
    let mut out = BTreeMap::new();
    for f in conn.fetch_headers(&uids).await.expect("headers") {
        if let Some(h) = f.header {
            *out.entry(parse_headers(&h).message_id).or_insert(0) += 1;
        }
    }
    conn.logout().await;
    out
}

pub(super) fn spawn(config: &Path, args: &[&str]) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mailcall-cli"));
    KeyringLab::shared()
        .expect("keyring lab")
        .configure(&mut cmd);
    cmd.arg("--config").arg(config).args(args);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.spawn().expect("spawn mailcall-cli")
}

#[tokio::test]
async fn apply_killed_midway_then_resumed_moves_each_message_once() {
    let s = setup(71, 1200, "sortkill");
    let plan = ok_json(
        &s.config,
        &["sort", "plan", "--to", "Bulk", "--older-than-days", "0"],
    );
    let id = plan["id"].as_str().expect("plan id").to_owned();
    let planned: BTreeSet<String> = plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["message_id"].as_str().expect("id").to_owned())
        .collect();
    let total = plan["items"].as_array().expect("items").len();
    assert!(total > 300, "plan too small: {total}");
    let inbox_before: usize = on_server(&s.account, "INBOX").await.values().sum();

    let mut child = spawn(&s.config, &["sort", "apply", &id, "--chunk", "3"]);
    let store = Store::open(&s.cache, None).expect("cache");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let p = store.sort_progress(&id).expect("progress");
        // Chunk 0 is the bookkeeping row; wait for a few real ones.
        if p.done >= 6 {
            break;
        }
        assert!(
            child.try_wait().expect("wait").is_none(),
            "apply ended early"
        );
        assert!(Instant::now() < deadline, "no progress");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let p = store.sort_progress(&id).expect("progress");
    assert!(p.done < p.chunks, "killed too late to test resuming: {p:?}");

    let report = ok_json(&s.config, &["sort", "apply", &id, "--chunk", "3"]);
    assert_eq!(report["moved"].as_u64(), Some(total as u64), "{report}");
    assert_eq!(report["missing"].as_u64(), Some(0));

    let bulk = on_server(&s.account, "Bulk").await;
    assert_eq!(bulk.keys().cloned().collect::<BTreeSet<_>>(), planned);
    assert!(bulk.values().all(|&n| n == 1), "a message was moved twice");
    let inbox = on_server(&s.account, "INBOX").await;
    assert!(inbox.keys().all(|id| !planned.contains(id)));
    assert_eq!(inbox.values().sum::<usize>() + total, inbox_before);
}

fn first_ids(config: &Path, n: usize) -> Vec<(String, String)> {
    let page = ok_json(config, &["list", "INBOX", "--limit", "50"]);
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|m| !m["message_id"].as_str().unwrap_or("").ends_with(".invalid"))
        .take(n)
        .map(|m| {
            (
                m["id"].as_i64().expect("id").to_string(),
                m["message_id"].as_str().expect("mid").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn offline_move_flag_and_draft_reach_the_server_at_replay() {
    let mut s = setup(72, 40, "offline");
    let ids = first_ids(&s.config, 3);
    let (a, b, c) = (&ids[0], &ids[1], &ids[2]);
    s.lab.stop().expect("stop");

    let moved = ok_json(&s.config, &["move", &a.0, "--to", "Later", "--offline"]);
    assert_eq!(moved["pending"].as_u64(), Some(1));
    // Without --offline an unreachable server leaves the change pending, not lost.
    let flagged = ok_json(&s.config, &["flag", &b.0, "--set", "flagged"]);
    assert!(flagged["replay_error"].is_string(), "{flagged}");
    assert_eq!(flagged["pending"].as_u64(), Some(2));
    let draft = ok_json(
        &s.config,
        &["draft", "reply", &c.0, "--body", "On it.", "--offline"],
    );
    assert_eq!(draft["pending"].as_u64(), Some(3));
    let later = ok_json(&s.config, &["list", "Later"]);
    assert_eq!(later["items"][0]["message_id"].as_str(), Some(a.1.as_str()));

    s.lab.restart().expect("restart");
    let replayed = ok_json(&s.config, &["replay"]);
    assert_eq!(replayed["applied"].as_u64(), Some(3), "{replayed}");
    assert_eq!(replayed["dropped"].as_u64(), Some(0));
    assert!(on_server(&s.account, "Later").await.contains_key(&a.1));
    assert!(!on_server(&s.account, "INBOX").await.contains_key(&a.1));
    let draft_id = draft["journalled"][0]["message_id"]
        .as_str()
        .expect("draft id");
    let drafts = on_server(&s.account, "Drafts").await;
    assert_eq!(drafts.get(draft_id), Some(&1), "{drafts:?}");
    let again: Value = ok_json(&s.config, &["replay"]);
    assert_eq!(again["applied"].as_u64(), Some(0));
}
