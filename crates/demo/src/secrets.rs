//! Where the demo account's password goes: the session's own Secret Service when there is
//! one (the app then finds it as it would any password), else an unlocked gnome-keyring on a
//! private session bus ([`KeyringLab`]) that this process and the app are pointed at.
//!
//! Invariant: in the session's keyring the demo touches one entry, the password of the
//! account it adds, which must not exist before (it could be someone's real account) and is
//! removed when the demo stops.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Result};
use mailcall_mail::{Account, Keyring, Password};
use mailcall_testkit::keyring::KeyringLab;

const SECRETS: &str = "org.freedesktop.secrets";

pub enum Secrets {
    /// The session bus already has a Secret Service.
    Session,
    Private(Box<KeyringLab>),
}

impl Secrets {
    /// Uses the session's Secret Service, or starts a private one and points this process
    /// at it (before any keyring call is made).
    pub fn start() -> Result<Secrets> {
        if let Some(address) = session_bus() {
            if has_secret_service(&address) {
                return Ok(Secrets::Session);
            }
        }
        let lab = KeyringLab::start()?;
        lab.use_in_this_process();
        Ok(Secrets::Private(Box::new(lab)))
    }

    /// The bus the app must use, when it is not the session's own.
    pub fn bus_address(&self) -> Option<&str> {
        match self {
            Secrets::Session => None,
            Secrets::Private(lab) => Some(lab.bus_address()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Secrets::Session => "the session's Secret Service".to_owned(),
            Secrets::Private(lab) => format!(
                "a gnome-keyring started for the demo (bus {})",
                lab.bus_address()
            ),
        }
    }

    /// Logs in with `password` and stores it, as `mailcall-cli account set-password` does.
    pub async fn store(&self, account: &Account, password: &Password) -> Result<()> {
        let keyring = Keyring::default();
        if matches!(self, Secrets::Session) && keyring.has_password(&account.name).await? {
            bail!(
                "the keyring already holds a Mailcall password for an account named {:?}; \
                 the demo does not replace it (remove it with `mailcall-cli account remove {}` \
                 if it is a leftover of an earlier demo)",
                account.name,
                account.name
            );
        }
        keyring.store_after_login(account, password).await?;
        Ok(())
    }

    /// Removes the demo's entries from a session keyring; a private one goes away whole.
    pub async fn forget(&self, account: &Account) -> Result<()> {
        if matches!(self, Secrets::Session) {
            Keyring::default().delete_account(&account.name).await?;
        }
        Ok(())
    }
}

/// The session bus address: `DBUS_SESSION_BUS_ADDRESS`, else the socket systemd puts in
/// `XDG_RUNTIME_DIR`. `None` when neither exists; never autolaunches a bus.
fn session_bus() -> Option<String> {
    if let Some(address) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") {
        return Some(address.to_string_lossy().into_owned()).filter(|a| !a.is_empty());
    }
    let socket = PathBuf::from(std::env::var_os("XDG_RUNTIME_DIR")?).join("bus");
    socket
        .exists()
        .then(|| format!("unix:path={}", socket.display()))
}

/// Whether a Secret Service runs on the bus at `address` or the bus can start one.
fn has_secret_service(address: &str) -> bool {
    let ask = |method: &str, args: &[&str]| {
        Command::new("dbus-send")
            .arg(format!("--bus={address}"))
            .args(["--print-reply", "--dest=org.freedesktop.DBus"])
            .args(["/org/freedesktop/DBus", method])
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    let owned = ask(
        "org.freedesktop.DBus.NameHasOwner",
        &[&format!("string:{SECRETS}")],
    );
    owned.contains("boolean true")
        || ask("org.freedesktop.DBus.ListActivatableNames", &[]).contains(&format!("\"{SECRETS}\""))
}
