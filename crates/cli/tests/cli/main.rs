//! End to end: the built `mailcall-cli` binary, with its configuration in a temporary
//! folder, against the Dovecot lab and the keyring lab: add an account, set its password
//! through stdin (a wrong one is refused and not stored), sync, search for the fixture's
//! needle, show a message (its body fetched on open), and remove the account.

#![allow(clippy::unwrap_used)]

mod call;
mod encrypted;
mod folder_names;
mod senders;
mod sort;
mod trust;
mod watch;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mailcall_mail::Keyring;
use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::fixture::{Fixture, Manifest};
use mailcall_testkit::keyring::KeyringLab;
use serde_json::Value;

const PASSWORD: &str = "cli-pass";

fn cli(config: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mailcall-cli"));
    KeyringLab::shared()
        .expect("keyring lab")
        .configure(&mut cmd);
    cmd.arg("--config").arg(config).args(args);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn mailcall-cli");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("mailcall-cli runs")
}

fn ok_json(config: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = cli(config, &all, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{args:?} failed: {stderr}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stderr}"))
}

/// A Dovecot lab serving `n` fixture messages to user `alice`, with the fixture's manifest.
fn fixture_lab(seed: u64, n: u64) -> (DovecotLab, Manifest) {
    lab_with(Fixture::new(seed).messages(n))
}

/// A Dovecot lab serving `fixture` to user `alice`, with its manifest.
fn lab_with(fixture: Fixture) -> (DovecotLab, Manifest) {
    let mut lab = DovecotLab::builder()
        .user("alice", PASSWORD)
        .build()
        .expect("lab");
    let manifest = fixture
        .write_maildir_with_manifest(
            &lab.maildir("alice"),
            &lab.maildir("alice").join("../manifest.json"),
        )
        .expect("fixture");
    lab.fix_ownership().expect("ownership");
    lab.start().expect("lab starts");
    (lab, manifest)
}

/// Where an account's files live in a test: config, trusted CA and cache, in `dir`.
struct Paths {
    config: PathBuf,
    ca: PathBuf,
    cache: PathBuf,
}

/// Adds account `name` for the lab (implicit TLS, the lab's certificate trusted) with
/// `extra` options, and returns the CLI's answer.
fn add_account(lab: &DovecotLab, dir: &Path, name: &str, extra: &[&str]) -> (Paths, Value) {
    let paths = Paths {
        config: dir.join("config.toml"),
        ca: dir.join("ca.pem"),
        cache: dir.join("cache.sqlite"),
    };
    std::fs::write(&paths.ca, lab.cert_pem()).expect("ca");
    let port = lab.imaps_port().to_string();
    let ca = paths.ca.to_str().expect("utf-8 path").to_owned();
    let cache = paths.cache.to_str().expect("utf-8 path").to_owned();
    let mut args = vec![
        "account",
        "add",
        name,
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--security",
        "tls",
        "--user",
        "alice",
        "--address",
        "me@corp.example",
        "--ca-file",
        &ca,
        "--cache-path",
        &cache,
    ];
    args.extend_from_slice(extra);
    let added = ok_json(&paths.config, &args);
    (paths, added)
}

/// Stores the lab password for `name` through stdin, as a user would type it.
fn set_password(config: &Path, name: &str) {
    let set = cli(
        config,
        &["account", "set-password", name],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
}

#[tokio::test]
async fn account_sync_search_show_and_remove() {
    let (lab, manifest) = fixture_lab(21, 200);
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("cli-{}", std::process::id());
    let (paths, added) = add_account(&lab, dir.path(), &name, &[]);
    let config = paths.config;
    assert_eq!(added["name"], name.as_str());

    // A wrong password is refused by the server and never stored.
    let wrong = cli(
        &config,
        &["--json", "account", "set-password", &name],
        Some("not-it\n"),
    );
    assert!(!wrong.status.success());
    let err: Value = serde_json::from_slice(&wrong.stdout).expect("error as JSON");
    assert_eq!(err["error"]["kind"], "auth");
    assert!(!String::from_utf8_lossy(&wrong.stdout).contains("not-it"));
    let listed = ok_json(&config, &["account", "list"]);
    assert_eq!(listed[0]["has_password"], false);

    set_password(&config, &name);
    let listed = ok_json(&config, &["account", "list"]);
    assert_eq!(listed[0]["has_password"], true);
    let text = std::fs::read_to_string(&config).expect("config");
    assert!(
        !text.contains(PASSWORD),
        "the password leaked into the config"
    );

    let report = ok_json(&config, &["sync", "--batch", "50"]);
    let inserted: u64 = report["folders"]
        .as_array()
        .expect("folders")
        .iter()
        .map(|f| f["inserted"].as_u64().unwrap())
        .sum();
    assert_eq!(inserted, manifest.messages);

    let needle = manifest.needle.expect("needle");
    let found = ok_json(&config, &["search", &needle.token]);
    let items = found["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{found}");
    assert_eq!(
        items[0]["message_id"],
        needle.message_id.trim_matches(['<', '>'])
    );
    let id = items[0]["id"].as_i64().expect("id").to_string();

    let shown = ok_json(&config, &["show", &id]);
    assert!(shown["body_text"]
        .as_str()
        .expect("body fetched on open")
        .contains(&needle.token));
    let folders = ok_json(&config, &["folders"]);
    assert!(folders
        .as_array()
        .expect("folders")
        .iter()
        .any(|f| f["name"] == "INBOX"));
    let stats = ok_json(&config, &["stats"]);
    assert_eq!(stats["messages"].as_u64(), Some(manifest.messages));
    ok_json(&config, &["thread", &id]);
    ok_json(&config, &["waiting"]);
    ok_json(&config, &["senders", "--by", "domain"]);

    let human = cli(&config, &["search", &needle.token], None);
    assert!(
        String::from_utf8_lossy(&human.stdout).contains(&needle.subject),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );

    ok_json(&config, &["account", "remove", &name]);
    assert!(!Keyring::default()
        .has_password(&name)
        .await
        .expect("keyring"));
    assert!(ok_json(&config, &["account", "list"])
        .as_array()
        .expect("list")
        .is_empty());
}
