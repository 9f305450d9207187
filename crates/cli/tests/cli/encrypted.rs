//! The encrypted cache end to end: an account with `--encrypt-cache` syncs into a SQLCipher
//! file whose key lives only in the keyring; search works through the CLI, the file holds no
//! plaintext, and the store refuses to open it without the key or with another key.

use crate::{add_account, fixture_lab, ok_json, set_password};
use mailcall_mail::{CacheKey, Store};

#[tokio::test]
async fn encrypted_cache_syncs_searches_and_stays_unreadable_without_its_key() {
    let (lab, manifest) = fixture_lab(22, 120);
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("enc-{}", std::process::id());
    let (paths, _) = add_account(&lab, dir.path(), &name, &["--encrypt-cache"]);
    let (config, cache) = (paths.config, paths.cache);
    set_password(&config, &name);
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
