//! What every test starts from: a Dovecot lab with fixture mail, a keyring service name
//! of the test's own in the keyring lab, and an [`Api`] whose configuration, settings and
//! caches live in a temporary folder.

use std::path::Path;
use std::time::Duration;

use mailcall_api::{AccountForm, AccountStatus, Api, ApiOptions, LiveOptions, SecurityKind};
use mailcall_mail::sync::Backoff;
use mailcall_mail::{Keyring, SyncOptions};
use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::fixture::{Fixture, Manifest};
use mailcall_testkit::keyring::KeyringLab;

pub const USER: &str = "alice";
pub const PASSWORD: &str = "correct horse";
pub const ME: &str = "me@corp.example";

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

/// A keyring service of this test and process only, in the keyring lab.
pub fn keyring(test: &str) -> Keyring {
    KeyringLab::shared().expect("keyring lab");
    Keyring::new(&format!("mailcall-api-test-{test}-{}", std::process::id()))
}

/// The app layer with everything in `dir`, reconnecting and retrying quickly.
pub async fn api(dir: &Path, keyring: Keyring) -> Api {
    let sync = SyncOptions {
        batch_size: 500,
        idle_period: Duration::from_millis(700),
        backoff: Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(500),
            attempts: 3,
        },
        ..SyncOptions::default()
    };
    let opts = ApiOptions {
        config_path: dir.join("config.toml"),
        keyring,
        live: LiveOptions {
            sync,
            readers: 3,
            retry_every: Duration::from_millis(500),
            sort_chunk: 50,
        },
        calls: mailcall_api::CallOptions::default(),
        cache_dir: Some(dir.join("caches")),
    };
    Api::load(opts).await.expect("api loads")
}

/// The add-account form for the lab over implicit TLS, trusting the lab's certificate
/// through a CA file in `dir`.
pub fn form(lab: &DovecotLab, dir: &Path, password: &str) -> AccountForm {
    let ca = dir.join("lab-ca.pem");
    std::fs::write(&ca, lab.cert_pem()).expect("write the CA file");
    AccountForm {
        id: Some("lab".to_owned()),
        address: ME.to_owned(),
        host: lab.host().to_owned(),
        port: Some(lab.imaps_port()),
        security: SecurityKind::Tls,
        user: USER.to_owned(),
        password: password.to_owned(),
        ca_file: Some(ca.display().to_string()),
        trust_fingerprint: None,
    }
}

/// A lab with `n` messages and an account on it whose first sync has finished.
pub struct Synced {
    pub lab: DovecotLab,
    pub manifest: Manifest,
    pub api: Api,
    /// Held, never read: dropping it deletes the configuration and caches.
    pub _dir: tempfile::TempDir,
}

pub async fn synced(test: &str, seed: u64, n: u64) -> Synced {
    let (lab, manifest) = lab_with_fixture(seed, n);
    let dir = tempfile::tempdir().expect("tempdir");
    let api = api(dir.path(), keyring(test)).await;
    api.add_account(form(&lab, dir.path(), PASSWORD))
        .await
        .expect("account added");
    wait_status(&api, "the first sync", |s| {
        !s.syncing && s.last_sync.is_some()
    })
    .await;
    Synced {
        lab,
        manifest,
        api,
        _dir: dir,
    }
}

/// Waits (bounded) until the lab account's status satisfies `want`.
pub async fn wait_status(
    api: &Api,
    what: &str,
    want: impl Fn(&AccountStatus) -> bool,
) -> AccountStatus {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let status = api.status("lab").await.expect("status");
        if want(&status) {
            return status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited too long for {what}: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub type Raw = mailcall_testkit::dovecot::ImapSession;

/// Another IMAP client on the lab mailbox, to see what the server holds.
pub async fn other_client(lab: &DovecotLab) -> Raw {
    lab.imap_session(USER, PASSWORD)
        .await
        .expect("another IMAP client")
}

/// How many messages of `folder` on the server match an IMAP search.
pub async fn server_count(lab: &DovecotLab, folder: &str, query: &str) -> usize {
    let mut raw = other_client(lab).await;
    raw.select(folder).await.expect("select");
    let n = raw.uid_search(query).await.expect("search").len();
    raw.logout().await.expect("logout");
    n
}
