//! The encrypted cache: unreadable without its key or with another key, and on disk
//! (not in memory) with no plaintext in the file or its WAL.

use mailcall_mail::{parse_message, CacheKey, Error, Flags, MailboxRole, NewMessage, Store, Uid};

#[test]
fn encrypted_cache_needs_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("enc.db");
    let key = CacheKey::generate().unwrap();
    let secret = "Zanzibar-quokka-subject";
    {
        let mut store = Store::open(&path, Some(&key)).unwrap();
        let inbox = store
            .ensure_mailbox("INBOX", Some(MailboxRole::Inbox))
            .unwrap();
        let raw = format!(
            "Message-ID: <s@x>\r\nFrom: a@x.example\r\nSubject: {secret}\r\n\r\nbody {secret}\r\n"
        );
        let p = parse_message(raw.as_bytes());
        let m = NewMessage {
            uid: Uid::new(1).unwrap(),
            flags: Flags::default(),
            modseq: None,
            internal_date: Some(1),
            size: None,
            meta: p.meta,
            body_text: p.body_text,
        };
        store.upsert_messages(inbox, &[m]).unwrap();
        // While open, the data lives in the file and its WAL, both encrypted.
        for suffix in ["", "-wal"] {
            let bytes = std::fs::read(format!("{}{suffix}", path.display())).unwrap_or_default();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "plaintext in {suffix:?}"
            );
            assert!(!bytes.starts_with(b"SQLite format 3"));
        }
        assert!(store.stats().unwrap().size_bytes > 0);
    }
    assert!(matches!(
        Store::open(&path, None),
        Err(Error::WrongKey { .. })
    ));
    let wrong = CacheKey::from_bytes([7; 32]);
    assert!(matches!(
        Store::open(&path, Some(&wrong)),
        Err(Error::WrongKey { .. })
    ));
    let store = Store::open(&path, Some(&CacheKey::from_hex(&key.to_hex()).unwrap())).unwrap();
    assert_eq!(store.count(secret).unwrap(), 1);
}

#[test]
fn plain_cache_rejects_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    drop(Store::open(&path, None).unwrap());
    assert!(std::fs::read(&path)
        .unwrap()
        .starts_with(b"SQLite format 3"));
    assert!(matches!(
        Store::open(&path, Some(&CacheKey::from_bytes([1; 32]))),
        Err(Error::WrongKey { .. })
    ));
}

#[test]
fn fts5_and_sqlcipher_are_in_this_build() {
    let options = mailcall_mail::store::compile_options().unwrap().join(" ");
    assert!(options.contains("ENABLE_FTS5"), "{options}");
    assert!(options.contains("HAS_CODEC"), "{options}");
}
