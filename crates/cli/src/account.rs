//! `mailcall-cli account add|set-password|list|remove`.
//!
//! Invariants: a password is read from stdin or a no-echo prompt, checked by logging in,
//! and only then stored in the keyring; it is never written to the configuration. An
//! account is added only after its server's certificate was found trusted (unless
//! `--no-check`); an untrusted one is refused with its facts and the exact command that
//! trusts it by fingerprint ([`UntrustedOnAdd`]).

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::bail;
use mailcall_mail::{
    probe_certificate, Account, CertificateCheck, CertificateProblem, Config, Error, Fingerprint,
    FolderRoles, Keyring, Password, Security,
};
use serde::Serialize;

use crate::args::{AccountCommand, AddArgs, SecurityArg};
use crate::output::Output;

pub async fn run(cmd: &AccountCommand, config_path: &Path, out: &Output) -> anyhow::Result<()> {
    match cmd {
        AccountCommand::Add(args) => add(args, config_path, out).await,
        AccountCommand::SetPassword { name, stdin } => {
            set_password(name, *stdin, config_path, out).await
        }
        AccountCommand::Trust { name, fingerprint } => {
            crate::trust::trust(name, *fingerprint, config_path, out).await
        }
        AccountCommand::List => list(config_path, out).await,
        AccountCommand::Remove { name, delete_cache } => {
            remove(name, *delete_cache, config_path, out).await
        }
    }
}

/// `account add` refused because the server's certificate is not trusted.
#[derive(Debug, thiserror::Error)]
#[error(
    "account {account} was not added: the certificate of {host}:{port} is not trusted: {problem}"
)]
pub struct UntrustedOnAdd {
    pub account: String,
    pub host: String,
    pub port: u16,
    pub problem: CertificateProblem,
    /// The same `account add`, trusting exactly this certificate.
    pub command: String,
}

async fn add(args: &AddArgs, config_path: &Path, out: &Output) -> anyhow::Result<()> {
    let mut config = Config::load(config_path)?;
    let mut account = Account::new(&args.name, &args.host, &args.user);
    account.port = args.port;
    account.security = match args.security {
        SecurityArg::Tls => Security::Tls,
        SecurityArg::Starttls => Security::Starttls,
        SecurityArg::Plain => Security::Plain,
    };
    account.allow_plaintext = args.allow_plaintext;
    account.addresses = args.addresses.clone();
    account.ca_file = args.ca_file.as_ref().map(std::path::absolute).transpose()?;
    account.trusted_certificate = args.trust_fingerprint;
    account.cache_path = args
        .cache_path
        .as_ref()
        .map(std::path::absolute)
        .transpose()?;
    account.encrypt_cache = args.encrypt_cache;
    account.folders = FolderRoles {
        sent: args.sent.clone(),
        drafts: args.drafts.clone(),
        trash: args.trash.clone(),
        junk: args.junk.clone(),
        archive: args.archive.clone(),
        all: None,
    };
    // Checked before connecting, so a bad setting or a taken name does not wait on the network.
    account.validate()?;
    if config.account(&account.name).is_ok() {
        return Err(Error::AccountExists(account.name).into());
    }
    if !args.no_check && account.security != Security::Plain {
        if let CertificateCheck::Untrusted { problem } = probe_certificate(&account).await? {
            let command = trust_command(std::env::args().skip(1), problem.sha256());
            return Err(UntrustedOnAdd {
                account: account.name.clone(),
                host: account.host.clone(),
                port: account.port(),
                problem,
                command,
            }
            .into());
        }
    }
    config.add(account.clone())?;
    config.save(config_path)?;
    out.show(&account, |a| {
        println!(
            "added account {} ({}:{}, {:?})",
            a.name,
            a.host,
            a.port(),
            a.security
        );
        println!("next: mailcall-cli account set-password {}", a.name);
    })
}

/// The command line that was run, trusting `fingerprint` instead of a CA file.
fn trust_command(args: impl Iterator<Item = String>, fingerprint: Fingerprint) -> String {
    let mut words = vec!["mailcall-cli".to_owned()];
    let mut skip_value = false;
    for arg in args {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        let dropped = ["--ca-file", "--trust-fingerprint"];
        if dropped.contains(&arg.as_str()) {
            skip_value = true;
            continue;
        }
        if dropped.iter().any(|d| arg.starts_with(&format!("{d}="))) {
            continue;
        }
        words.push(shell_quote(&arg));
    }
    words.push("--trust-fingerprint".to_owned());
    words.push(fingerprint.to_string());
    words.join(" ")
}

/// `arg` as a POSIX shell reads it back: bare when safe, else in single quotes.
fn shell_quote(arg: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:@=,+%".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// Reads a password: the first line of stdin when it is not a terminal (or `--stdin`),
/// else a prompt that does not echo.
fn read_password(from_stdin: bool) -> anyhow::Result<Password> {
    let secret = if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        rpassword::prompt_password("Password: ")?
    };
    if secret.is_empty() {
        bail!("no password given");
    }
    Ok(Password::new(secret))
}

#[derive(Serialize)]
struct Stored<'a> {
    account: &'a str,
    stored: bool,
}

async fn set_password(
    name: &str,
    from_stdin: bool,
    config_path: &Path,
    out: &Output,
) -> anyhow::Result<()> {
    let config = Config::load(config_path)?;
    let account = config.account(name)?;
    let password = read_password(from_stdin)?;
    Keyring::default()
        .store_after_login(account, &password)
        .await?;
    out.show(
        &Stored {
            account: name,
            stored: true,
        },
        |s| {
            println!(
                "login to {} succeeded; password for {} stored in the OS keyring",
                account.host, s.account
            );
        },
    )
}

#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    account: &'a Account,
    port: u16,
    /// `None` when the keyring could not be asked.
    has_password: Option<bool>,
}

async fn list(config_path: &Path, out: &Output) -> anyhow::Result<()> {
    let config = Config::load(config_path)?;
    let keyring = Keyring::default();
    let mut rows = Vec::new();
    for a in &config.accounts {
        let has_password = keyring.has_password(&a.name).await.ok();
        rows.push(Listed {
            account: a,
            port: a.port(),
            has_password,
        });
    }
    out.show(&rows, |rows| {
        if rows.is_empty() {
            println!("no accounts; add one with `mailcall-cli account add`");
        }
        for r in rows {
            let pw = match r.has_password {
                Some(true) => "password stored",
                Some(false) => "no password",
                None => "keyring unavailable",
            };
            let a = r.account;
            println!(
                "{}  {}@{}:{}  {:?}  {pw}",
                a.name, a.user, a.host, r.port, a.security
            );
        }
    })
}

#[derive(Serialize)]
struct Removed {
    account: String,
    cache_deleted: bool,
}

async fn remove(
    name: &str,
    delete_cache: bool,
    config_path: &Path,
    out: &Output,
) -> anyhow::Result<()> {
    let mut config = Config::load(config_path)?;
    let account = config.account(name)?.clone();
    // Secrets first: an account left in the config without secrets is harmless, the
    // reverse would leave an orphaned password in the keyring.
    Keyring::default().delete_account(name).await?;
    config.remove(name)?;
    config.save(config_path)?;
    let mut cache_deleted = false;
    if delete_cache {
        let path = account.cache_file()?;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            if std::fs::remove_file(&p).is_ok() && suffix.is_empty() {
                cache_deleted = true;
            }
        }
    }
    out.show(
        &Removed {
            account: name.to_owned(),
            cache_deleted,
        },
        |r| {
            println!("removed account {} and its secrets", r.account);
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_command_drops_the_ca_file_and_quotes() {
        let fp = Fingerprint::of(b"x");
        let args = [
            "--config",
            "/tmp/my config.toml",
            "account",
            "add",
            "work",
            "--ca-file",
            "/tmp/ca.pem",
            "--user",
            "o'neil",
            "--trust-fingerprint=SHA256:00",
        ]
        .map(str::to_owned);
        assert_eq!(
            trust_command(args.into_iter(), fp),
            format!(
                "mailcall-cli --config '/tmp/my config.toml' account add work --user 'o'\\''neil' \
                 --trust-fingerprint {fp}"
            )
        );
    }
}
