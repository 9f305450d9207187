//! The demo's mail: a Dovecot lab on 127.0.0.1 serving a generated mailbox whose last year
//! ends now, and the account the app is configured with for it.
//!
//! The account pins the lab's self-signed certificate by its SHA-256 fingerprint, exactly as
//! trusting it on the app's certificate page (or `account add --trust-fingerprint`) does.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mailcall_mail::{Account, Fingerprint, Password, Security};
use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::fixture::{Fixture, Manifest};

/// The account's name in the app and in the keyring.
pub const ACCOUNT: &str = "demo";
const USER: &str = "alex";
const ME: &str = "Alex Morgan <alex@corp.example>";

pub struct Mailbox {
    lab: DovecotLab,
    manifest: Manifest,
    manifest_path: PathBuf,
    password: String,
}

impl Mailbox {
    /// Generates `messages` messages into the lab's Maildir, then starts Dovecot on them.
    pub fn start(messages: u64, seed: u64) -> Result<Mailbox> {
        let password = format!("demo-{:016x}", rand::random::<u64>());
        let mut lab = DovecotLab::builder().user(USER, &password).build()?;
        let maildir = lab.maildir(USER);
        let manifest_path = maildir
            .parent()
            .context("the Maildir has a parent")?
            .join("manifest.json");
        // Dates end at the top of this hour, so the newest mail is from today.
        let now = jiff::Timestamp::now().as_second();
        let manifest = Fixture::new(seed)
            .messages(messages)
            .me(ME)
            .until(now - now % 3600)
            .unmarked_senders(true)
            .write_maildir_with_manifest(&maildir, &manifest_path)?;
        lab.fix_ownership()?;
        lab.start()?;
        Ok(Mailbox {
            lab,
            manifest,
            manifest_path,
            password,
        })
    }

    /// The app's account for the lab; its cache goes under `home`.
    pub fn account(&self, home: &Path) -> Account {
        let mut account = Account::new(ACCOUNT, self.lab.host(), USER);
        account.port = Some(self.lab.imaps_port());
        account.security = Security::Tls;
        account.addresses = vec![self.address().to_owned()];
        account.trusted_certificate = Some(Fingerprint::of(&self.lab.cert_der()));
        account.cache_path = Some(home.join("data/mailcall").join(format!("{ACCOUNT}.sqlite")));
        account
    }

    pub fn password(&self) -> Password {
        Password::new(self.password.clone())
    }

    /// The mailbox owner's address.
    pub fn address(&self) -> &str {
        ME.split_once('<')
            .and_then(|(_, rest)| rest.strip_suffix('>'))
            .unwrap_or(ME)
    }

    pub fn lab(&self) -> &DovecotLab {
        &self.lab
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn manifest_path(&self) -> &Path {
        &self.manifest_path
    }
}
