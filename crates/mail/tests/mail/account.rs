//! Accounts and credentials: the TOML configuration (no secrets, plaintext only by explicit
//! choice, role overrides) and the real Secret Service through the keyring lab.

use std::path::Path;

use mailcall_mail::{
    Account, CacheAccess, Config, Error, Keyring, MailboxRole, Password, Security,
};
use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::keyring::KeyringLab;

use crate::remote::{account, PASSWORD, USER};

/// A keyring service name of its own per test and process, so reruns and parallel tests
/// never see each other's entries.
fn keyring(test: &str) -> Keyring {
    KeyringLab::shared().expect("keyring lab");
    Keyring::new(&format!("mailcall-test-{test}-{}", std::process::id()))
}

#[test]
fn config_round_trips_and_defaults_to_tls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub").join("config.toml");
    let mut config = Config::load(&path).expect("missing file is empty");
    assert!(config.accounts.is_empty());
    let mut work = Account::new("work", "imap.example.org", "me@example.org");
    work.addresses = vec!["me@example.org".into()];
    work.folders.sent = Some("Sent Items".into());
    config.add(work.clone()).expect("add");
    config
        .add(Account::new("home", "mail.example.net", "me"))
        .expect("add second");
    assert!(matches!(
        config.add(Account::new("home", "x", "y")),
        Err(Error::AccountExists(_))
    ));
    config.save(&path).expect("save");
    let loaded = Config::load(&path).expect("load");
    assert_eq!(loaded, config);
    assert_eq!(loaded.account("work").expect("work").port(), 993);
    assert_eq!(
        loaded.account("work").expect("work").security,
        Security::Tls
    );
    assert!(matches!(loaded.pick(None), Err(Error::NoAccount(_))));
}

#[test]
fn secrets_in_the_config_are_refused_without_being_echoed() {
    let text =
        "[[account]]\nname = \"w\"\nhost = \"h\"\nuser = \"u\"\npassword = \"s3cr3t-value\"\n";
    let e = Config::parse(text, Path::new("c.toml")).expect_err("refused");
    let shown = mailcall_mail::sync::error_chain(&e);
    assert!(
        shown.contains("password") && shown.contains("keyring"),
        "{shown}"
    );
    assert!(!shown.contains("s3cr3t-value"), "{shown}");
    // A syntax error on the same line does not quote it either.
    let broken = "[[account]]\nname = \"w\"\nhost = \"h\"\nuser = \"u\"\ntoken = s3cr3t-value\n";
    let shown = mailcall_mail::sync::error_chain(
        &Config::parse(broken, Path::new("c.toml")).expect_err("bad"),
    );
    assert!(
        shown.contains("line 5") && !shown.contains("s3cr3t-value"),
        "{shown}"
    );
}

#[test]
fn plaintext_needs_both_plain_and_allow_plaintext() {
    let plain = "[[account]]\nname = \"p\"\nhost = \"h\"\nuser = \"u\"\nsecurity = \"plain\"\n";
    let e = Config::parse(plain, Path::new("c.toml")).expect_err("refused");
    assert!(matches!(e, Error::InvalidAccount { .. }), "{e:?}");
    let allowed = format!("{plain}allow_plaintext = true\n");
    let config = Config::parse(&allowed, Path::new("c.toml")).expect("explicit plaintext");
    assert_eq!(config.accounts[0].port(), 143);
    let stray = "[[account]]\nname = \"p\"\nhost = \"h\"\nuser = \"u\"\nallow_plaintext = true\n";
    assert!(Config::parse(stray, Path::new("c.toml")).is_err());
}

#[test]
fn configured_roles_override_special_use() {
    let mut a = Account::new("a", "h", "u");
    a.folders.sent = Some("Sent Items".into());
    let listed = vec![
        ("INBOX".to_owned(), None),
        ("Sent".to_owned(), Some(MailboxRole::Sent)),
        ("Sent Items".to_owned(), None),
        ("Trash".to_owned(), Some(MailboxRole::Trash)),
    ];
    let roles = a.folders.assign(&listed);
    assert_eq!(
        roles,
        vec![
            ("INBOX".to_owned(), Some(MailboxRole::Inbox)),
            ("Sent".to_owned(), None),
            ("Sent Items".to_owned(), Some(MailboxRole::Sent)),
            ("Trash".to_owned(), Some(MailboxRole::Trash)),
        ]
    );
}

// gnome-keyring aborts on some races between clients, and the session bus starts it
// again on the next call (the keyring lab does so too). A call in flight when it died is
// tried again instead of failing the user's command. The daemon is stopped first, so the
// read is surely waiting on it when it is killed.
#[tokio::test]
async fn a_call_the_secret_service_dropped_is_tried_again() {
    let kr = keyring("dropped");
    kr.set_password("acct", &Password::new("kept"))
        .await
        .expect("store");
    let lab = KeyringLab::shared().expect("keyring lab");
    let daemon = lab.secret_service_pid().expect("daemon pid").to_string();
    let signal = |name: &str| {
        let sent = std::process::Command::new("kill")
            .args([name, &daemon])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill {name} {daemon}");
    };
    signal("-STOP");
    let reader = kr.clone();
    let read = tokio::spawn(async move { reader.password("acct").await });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    signal("-KILL");
    let read = read.await.expect("read task");
    assert_eq!(read.expect("tried again").expose(), "kept");
    assert_ne!(
        lab.secret_service_pid().expect("new daemon").to_string(),
        daemon
    );
    kr.delete_account("acct").await.expect("delete");
}

#[tokio::test]
async fn password_and_cache_key_round_trip_through_the_secret_service() {
    let kr = keyring("roundtrip");
    assert!(!kr.has_password("acct").await.expect("lookup"));
    assert!(matches!(
        kr.password("acct").await,
        Err(Error::NoPassword(_))
    ));
    kr.set_password("acct", &Password::new("pw-1"))
        .await
        .expect("store");
    assert_eq!(kr.password("acct").await.expect("read").expose(), "pw-1");
    kr.set_password("acct", &Password::new("pw-2"))
        .await
        .expect("replace");
    assert_eq!(kr.password("acct").await.expect("read").expose(), "pw-2");
    assert_eq!(kr.cache_key("acct", false).await.expect("none yet"), None);
    let key = kr
        .cache_key("acct", true)
        .await
        .expect("create")
        .expect("key");
    assert_eq!(kr.cache_key("acct", false).await.expect("read"), Some(key));
    kr.delete_account("acct").await.expect("delete");
    assert!(!kr.has_password("acct").await.expect("lookup"));
    assert_eq!(kr.cache_key("acct", false).await.expect("gone"), None);
    kr.delete_account("acct")
        .await
        .expect("deleting twice is fine");
}

// An encrypted account is opened only with its key: a read before the first sync is
// refused and leaves no plain SQLite file behind; the first sync creates the key, and
// from then on reads open the encrypted cache.
#[tokio::test]
async fn an_encrypted_cache_is_created_only_with_its_key() {
    let kr = keyring("access");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut acct = Account::new("enc", "imap.example.org", "me");
    acct.encrypt_cache = true;
    acct.cache_path = Some(dir.path().join("enc.sqlite"));
    let path = acct.cache_file().expect("path");
    let read = CacheAccess::of(&acct, &kr, false).await;
    assert!(matches!(read, Err(Error::WrongKey { .. })), "{read:?}");
    assert!(!path.exists(), "a read created {}", path.display());
    let first = CacheAccess::of(&acct, &kr, true).await.expect("first sync");
    let mut store = first.open().expect("open");
    store.ensure_mailbox("INBOX", None).expect("write");
    drop(store);
    let bytes = std::fs::read(&path).expect("cache file");
    assert!(!bytes.starts_with(b"SQLite format 3"), "not encrypted");
    let again = CacheAccess::of(&acct, &kr, false).await.expect("read");
    let store = again.open().expect("reopen with the stored key");
    assert_eq!(store.mailboxes().expect("mailboxes").len(), 1);
    kr.delete_account("enc").await.expect("clean up");
}

#[tokio::test]
async fn a_password_is_stored_only_after_the_server_accepts_it() {
    let lab = DovecotLab::builder()
        .user(USER, PASSWORD)
        .start()
        .expect("lab");
    let dir = tempfile::tempdir().expect("tempdir");
    let acct = account(&lab, dir.path(), Security::Starttls);
    let kr = keyring("checked");
    let e = kr
        .store_after_login(&acct, &Password::new("nope"))
        .await
        .expect_err("wrong password");
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    assert!(!kr.has_password(&acct.name).await.expect("lookup"));
    kr.store_after_login(&acct, &Password::new(PASSWORD))
        .await
        .expect("right password");
    assert_eq!(
        kr.password(&acct.name).await.expect("stored").expose(),
        PASSWORD
    );
    kr.delete_account(&acct.name).await.expect("cleanup");
}
