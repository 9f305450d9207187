//! Shared pieces of the tests against the Dovecot lab: accounts pointing at it (trusting
//! its certificate through the account's CA file), fixture mailboxes, a second raw IMAP
//! client acting as "another mail program", and a recorder of sync events.

use std::path::Path;
use std::sync::Arc;

use mailcall_mail::{
    sync_account, Account, Password, Security, Store, SyncEvent, SyncOptions, SyncReport,
};
use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::fixture::{Fixture, Manifest};
use tokio_util::sync::CancellationToken;

pub const USER: &str = "alice";
pub const PASSWORD: &str = "correct horse";

pub fn password() -> Password {
    Password::new(PASSWORD)
}

/// An account on the lab's STARTTLS port trusting the lab certificate via `ca_file`.
pub fn account(lab: &DovecotLab, dir: &Path, security: Security) -> Account {
    let ca = dir.join("lab-ca.pem");
    std::fs::write(&ca, lab.cert_pem()).expect("write the CA file");
    let mut a = Account::new("lab", lab.host(), USER);
    a.security = security;
    a.port = Some(match security {
        Security::Tls => lab.imaps_port(),
        Security::Starttls | Security::Plain => lab.imap_port(),
    });
    a.allow_plaintext = security == Security::Plain;
    a.ca_file = Some(ca);
    a.cache_path = Some(dir.join("cache.sqlite"));
    a.addresses = vec!["me@corp.example".to_owned()];
    a
}

/// A running lab whose mailbox holds `n` fixture messages.
pub fn lab_with_fixture(seed: u64, n: u64) -> (DovecotLab, Manifest) {
    let mut lab = DovecotLab::builder()
        .user(USER, PASSWORD)
        .build()
        .expect("lab builds");
    let manifest = Fixture::new(seed)
        .messages(n)
        .write_maildir_with_manifest(
            &lab.maildir(USER),
            &lab.maildir(USER).join("..").join("manifest.json"),
        )
        .expect("fixture written");
    lab.fix_ownership().expect("ownership");
    lab.start().expect("lab starts");
    (lab, manifest)
}

/// What must outlive a test's use of a synced account: the server, the fixture's answers
/// and the folder of the cache and CA file.
pub struct Kept {
    pub lab: DovecotLab,
    pub manifest: Manifest,
    /// Held, never read: dropping it deletes the cache and the CA file.
    _dir: tempfile::TempDir,
}

/// A TLS account on `lab` and its empty cache in a new temporary folder.
pub fn fresh_cache(lab: &DovecotLab) -> (tempfile::TempDir, Account, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let acct = account(lab, dir.path(), Security::Tls);
    let store = Store::open(acct.cache_file().expect("path"), None).expect("store");
    (dir, acct, store)
}

/// A lab with fixture mail, a TLS account on it and that account's cache after one full
/// sync: where most tests of what comes after a sync start.
pub async fn synced_lab(seed: u64, n: u64) -> (Kept, Account, Store) {
    let (lab, manifest) = lab_with_fixture(seed, n);
    let (dir, acct, mut store) = fresh_cache(&lab);
    sync(&acct, &mut store, &options(500), &mut |_| {})
        .await
        .expect("first sync");
    let kept = Kept {
        lab,
        manifest,
        _dir: dir,
    };
    (kept, acct, store)
}

/// One sync of `acct` with the lab password that nothing cancels.
pub async fn sync(
    acct: &Account,
    store: &mut Store,
    opts: &SyncOptions,
    progress: &mut (dyn FnMut(SyncEvent) + Send),
) -> mailcall_mail::Result<SyncReport> {
    let cancel = CancellationToken::new();
    sync_account(acct, &password(), store, opts, progress, &cancel).await
}

/// Another client deletes `folder` and creates it again with one message ([`EXTRA`]):
/// the new folder has a new UIDVALIDITY, and its UID 1 is another message.
pub async fn recreate_with_one_message(lab: &DovecotLab, folder: &str) {
    let mut raw = other_client(lab).await;
    run(&mut raw, &format!("DELETE {folder}")).await;
    run(&mut raw, &format!("CREATE {folder}")).await;
    raw.append(folder, None, None, EXTRA).await.expect("append");
    raw.logout().await.expect("logout");
}

/// Options with small batches, so several batches happen even on small fixtures.
pub fn options(batch: usize) -> SyncOptions {
    SyncOptions {
        batch_size: batch,
        ..SyncOptions::default()
    }
}

/// Collects events; `Send` so it can be handed to the sync.
pub fn recorder() -> (
    Arc<std::sync::Mutex<Vec<SyncEvent>>>,
    impl FnMut(SyncEvent) + Send,
) {
    let events = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = events.clone();
    (events, move |e| sink.lock().expect("not poisoned").push(e))
}

pub type Raw = mailcall_testkit::dovecot::ImapSession;

/// Another IMAP client on the same mailbox, over implicit TLS.
pub async fn other_client(lab: &DovecotLab) -> Raw {
    lab.imap_session(USER, PASSWORD)
        .await
        .expect("another IMAP client")
}

/// Runs a command on the raw client and drains its responses.
pub async fn run(raw: &mut Raw, command: &str) {
    raw.run_command_and_check_ok(command)
        .await
        .unwrap_or_else(|e| panic!("{command}: {e}"));
}

/// UIDs matching a search on the raw client.
pub async fn uid_search(raw: &mut Raw, query: &str) -> Vec<u32> {
    let mut v: Vec<u32> = raw
        .uid_search(query)
        .await
        .expect("search")
        .into_iter()
        .collect();
    v.sort_unstable();
    v
}

pub const EXTRA: &[u8] = b"From: Zed <zed@example.org>\r\nTo: me@corp.example\r\nSubject: arrived later \
zanzibarquux\r\nDate: Tue, 1 Jul 2025 10:00:00 +0000\r\nMessage-ID: <later-1@example.org>\r\n\r\nHello zanzibarquux.\r\n";
