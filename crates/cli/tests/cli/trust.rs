//! `account add` against a Dovecot lab serving a `CA:TRUE` self-signed certificate (as
//! `openssl req -x509` makes): refused with the certificate's facts, its fingerprint
//! (computed here from the DER the lab made) and the exact command that trusts it;
//! that command adds the account, and the pinned account logs in and syncs.

use std::process::{Command, Stdio};

use mailcall_testkit::dovecot::{DovecotLab, LabCertificate};
use mailcall_testkit::fixture::Fixture;
use mailcall_testkit::keyring::KeyringLab;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{cli, ok_json, set_password, PASSWORD};

fn fingerprint(lab: &DovecotLab) -> String {
    let digest = Sha256::digest(lab.cert_der().as_ref());
    let pairs: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
    format!("SHA256:{}", pairs.join(":"))
}

/// Runs a command line as printed by the CLI (words without quoting: the test's paths
/// hold no blanks), with the keyring lab.
fn run_printed(line: &str) -> std::process::Output {
    let mut words = line.split_whitespace();
    assert_eq!(words.next(), Some("mailcall-cli"), "{line}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mailcall-cli"));
    KeyringLab::shared()
        .expect("keyring lab")
        .configure(&mut cmd);
    cmd.args(words)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.output().expect("mailcall-cli runs")
}

fn add_args<'a>(name: &'a str, port: &'a str, cache: &'a str) -> Vec<&'a str> {
    vec![
        "account",
        "add",
        name,
        "--host",
        "127.0.0.1",
        "--port",
        port,
        "--user",
        "alice",
        "--cache-path",
        cache,
    ]
}

#[test]
fn account_add_refuses_a_self_signed_ca_and_trusts_it_by_fingerprint() {
    let mut lab = DovecotLab::builder()
        .user("alice", PASSWORD)
        .certificate(LabCertificate::SelfSignedCa)
        .build()
        .expect("lab");
    let manifest = Fixture::new(23)
        .messages(30)
        .write_maildir_with_manifest(
            &lab.maildir("alice"),
            &lab.maildir("alice").join("../manifest.json"),
        )
        .expect("fixture");
    lab.fix_ownership().expect("ownership");
    lab.start().expect("lab starts");
    let expected = fingerprint(&lab);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    let cache = dir.path().join("cache.sqlite");
    let cache = cache.to_str().expect("utf-8 path");
    let name = format!("pin-{}", std::process::id());
    let port = lab.imaps_port().to_string();

    // People: the facts, the fingerprint and the command, on stderr; nothing saved.
    let refused = cli(&config, &add_args(&name, &port, cache), None);
    assert!(!refused.status.success());
    let text = String::from_utf8_lossy(&refused.stderr);
    for needle in [
        "not trusted",
        "self-signed",
        "certificate authority",
        "CN=mailcall lab CA:TRUE",
        &expected,
        &format!("--trust-fingerprint {expected}"),
    ] {
        assert!(text.contains(needle), "{needle:?} missing in:\n{text}");
    }
    assert!(!config.exists(), "a refused account was saved");

    // Scripts: the same as JSON, with the command to run.
    let mut json_args = vec!["--json"];
    json_args.extend(add_args(&name, &port, cache));
    let refused = cli(&config, &json_args, None);
    assert!(!refused.status.success());
    let doc: Value = serde_json::from_slice(&refused.stdout).expect("error as JSON");
    let error = &doc["error"];
    assert_eq!(error["kind"], "untrusted_certificate");
    assert_eq!(error["certificate"]["sha256"], expected.as_str());
    assert_eq!(error["certificate"]["reason"]["kind"], "self_signed");
    assert_eq!(error["certificate"]["is_ca"], true);
    let command = error["trust_command"].as_str().expect("trust command");
    assert!(
        command.ends_with(&format!("--trust-fingerprint {expected}")),
        "{command}"
    );

    // The printed command adds the account with the pin.
    let added = run_printed(command);
    assert!(
        added.status.success(),
        "{command}: {}",
        String::from_utf8_lossy(&added.stderr)
    );
    let saved = std::fs::read_to_string(&config).expect("config");
    assert!(
        saved.contains(&format!("trusted_certificate = \"{expected}\"")),
        "{saved}"
    );

    set_password(&config, &name);
    let report = ok_json(&config, &["sync"]);
    let inserted: u64 = report["folders"]
        .as_array()
        .expect("folders")
        .iter()
        .map(|f| f["inserted"].as_u64().expect("inserted"))
        .sum();
    assert_eq!(inserted, manifest.messages);

    // A pin for another certificate is refused, showing both fingerprints.
    let other = fingerprint(&DovecotLab::builder().user("bob", "x").start().expect("lab"));
    let text = std::fs::read_to_string(&config)
        .expect("config")
        .replace(&expected, &other);
    std::fs::write(&config, text).expect("edit config");
    let refused = cli(&config, &["sync"], None);
    assert!(!refused.status.success());
    let text = String::from_utf8_lossy(&refused.stderr);
    assert!(
        text.contains(&format!("trusted:     {other}"))
            && text.contains(&format!("presented:   {expected}")),
        "{text}"
    );

    // `account trust` on the existing account: it shows what the server presents and the
    // command, changing nothing; a fingerprint the server does not present is refused; the
    // printed command pins the presented one, and the account syncs again.
    let shown = ok_json(&config, &["account", "trust", &name]);
    assert_eq!(shown["presented"], expected.as_str());
    assert_eq!(shown["trusted_by_system"], false);
    assert_eq!(shown["pinned"], Value::Null);
    let command = shown["command"].as_str().expect("command").to_owned();
    assert!(std::fs::read_to_string(&config)
        .expect("config")
        .contains(&other));
    let wrong = cli(
        &config,
        &["account", "trust", &name, "--fingerprint", &other],
        None,
    );
    assert!(!wrong.status.success());
    let text = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        text.contains(&expected) && text.contains("nothing was changed"),
        "{text}"
    );
    assert!(std::fs::read_to_string(&config)
        .expect("config")
        .contains(&other));
    let mut pin: Vec<&str> = vec!["--config", config.to_str().expect("utf-8 path")];
    pin.extend(command.split_whitespace().skip(1));
    let pinned = run_printed(&format!("mailcall-cli {}", pin.join(" ")));
    assert!(
        pinned.status.success(),
        "{}",
        String::from_utf8_lossy(&pinned.stderr)
    );
    let saved = std::fs::read_to_string(&config).expect("config");
    assert!(
        saved.contains(&format!("trusted_certificate = \"{expected}\"")) && !saved.contains(&other),
        "{saved}"
    );
    ok_json(&config, &["sync"]);
}
