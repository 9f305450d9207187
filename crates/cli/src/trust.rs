//! `account trust`: pins the certificate an existing account's server presents, by its
//! fingerprint, for a server the system does not trust (a self-signed one at home, a
//! certificate renewed behind a pin). Without `--fingerprint` nothing changes: it shows the
//! certificate the server presents now and the exact command that trusts it. With one, the
//! server must present exactly that certificate before the pin is saved.

use std::path::Path;

use anyhow::bail;
use mailcall_mail::{probe_certificate, CertificateCheck, Config, Fingerprint};
use serde::Serialize;

use crate::output::Output;

#[derive(Serialize)]
struct Trust {
    account: String,
    /// The fingerprint of the certificate the server presents now.
    presented: Fingerprint,
    /// The system's own trust store accepts it.
    trusted_by_system: bool,
    /// The pin saved by this run, if any.
    pinned: Option<Fingerprint>,
    /// What to run to pin it, when nothing was pinned.
    command: Option<String>,
}

pub async fn trust(
    name: &str,
    fingerprint: Option<Fingerprint>,
    config_path: &Path,
    out: &Output,
) -> anyhow::Result<()> {
    let mut config = Config::load(config_path)?;
    let mut account = config.account(name)?.clone();
    // What the server presents, judged by the system alone: an old pin or CA file must not
    // hide a certificate that changed.
    let mut bare = account.clone();
    bare.trusted_certificate = None;
    bare.ca_file = None;
    let (presented, trusted_by_system) = match probe_certificate(&bare).await? {
        CertificateCheck::Trusted { certificate } => (certificate.sha256, true),
        CertificateCheck::Untrusted { problem } => (problem.sha256(), false),
    };
    let pinned = match fingerprint {
        None => None,
        Some(wanted) if wanted == presented => Some(wanted),
        Some(wanted) => bail!(
            "the server of account {name} presents the certificate {presented}, not {wanted}: \
             nothing was changed"
        ),
    };
    if let Some(fp) = &pinned {
        account.trusted_certificate = Some(*fp);
        account.validate()?;
        // In place, so the accounts keep their order in the file.
        if let Some(slot) = config.accounts.iter_mut().find(|a| a.name == name) {
            *slot = account;
        }
        config.save(config_path)?;
    }
    let command = pinned
        .is_none()
        .then(|| format!("mailcall-cli account trust {name} --fingerprint {presented}"));
    let report = Trust {
        account: name.to_owned(),
        presented,
        trusted_by_system,
        pinned,
        command,
    };
    out.show(&report, |t| {
        println!(
            "the server of account {} presents {}",
            t.account, t.presented
        );
        match (&t.pinned, t.trusted_by_system) {
            (Some(fp), _) => println!("pinned: account {} trusts exactly {fp} now", t.account),
            (None, true) => println!("the system trusts it: there is nothing to pin"),
            (None, false) => println!(
                "the system does not trust it; if this is your server's certificate, run:\n  {}",
                t.command.as_deref().unwrap_or_default()
            ),
        }
    })
}
