//! The encrypted cache end to end: an account with `--encrypt-cache` syncs into a SQLCipher
//! file whose key lives only in the keyring; search works through the CLI, the file holds no
//! plaintext, and the store refuses to open it without the key or with another key.

use mailcall_mail::{CacheKey, Store};
use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::fixture::Fixture;

use crate::{cli, ok_json, PASSWORD};

#[tokio::test]
async fn encrypted_cache_syncs_searches_and_stays_unreadable_without_its_key() {
    let mut lab = DovecotLab::builder()
        .user("alice", PASSWORD)
        .build()
        .expect("lab");
    let manifest = Fixture::new(22)
        .messages(120)
        .write_maildir_with_manifest(
            &lab.maildir("alice"),
            &lab.maildir("alice").join("../manifest.json"),
        )
        .expect("fixture");
    lab.fix_ownership().expect("ownership");
    lab.start().expect("lab starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, lab.cert_pem()).expect("ca");
    let name = format!("enc-{}", std::process::id());
    let port = lab.imaps_port().to_string();
    let cache = dir.path().join("cache.sqlite");
    let cache_arg = cache.to_str().expect("utf-8 path").to_owned();
    let ca_arg = ca.to_str().expect("utf-8 path").to_owned();
    ok_json(
        &config,
        &[
            "account",
            "add",
            &name,
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--user",
            "alice",
            "--address",
            "me@corp.example",
            "--ca-file",
            &ca_arg,
            "--cache-path",
            &cache_arg,
            "--encrypt-cache",
        ],
    );
    let set = cli(
        &config,
        &["account", "set-password", &name],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    ok_json(&config, &["sync", "--bodies", "--batch", "40"]);

    let needle = manifest.needle.expect("needle");
    let found = ok_json(&config, &["search", &needle.token]);
    let hits = found["items"].as_array().expect("items");
    assert_eq!(hits.len(), 1, "{found}");

    // Nothing readable on disk: neither the needle nor the SQLite header.
    for file in [cache.clone(), cache.with_extension("sqlite-wal")] {
        if let Ok(bytes) = std::fs::read(&file) {
            assert!(
                !bytes.starts_with(b"SQLite format 3"),
                "{} is plain SQLite",
                file.display()
            );
            let token = needle.token.as_bytes();
            assert!(
                !bytes.windows(token.len()).any(|w| w == token),
                "{} holds the needle in clear",
                file.display()
            );
        }
    }
    assert!(Store::open(&cache, None).is_err(), "opened without the key");
    let other = CacheKey::generate().expect("key");
    assert!(
        Store::open(&cache, Some(&other)).is_err(),
        "opened with another key"
    );
    assert!(!std::fs::read_to_string(&config)
        .expect("config")
        .contains(&other.to_hex()));
}
