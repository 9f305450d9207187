//! A real Secret Service for tests: a private D-Bus session bus with `gnome-keyring-daemon`
//! (secrets component only) unlocked with [`KeyringLab::PASSWORD`].
//!
//! Invariants:
//! - HOME, the XDG folders and the bus socket live in a temporary folder, so the user's own
//!   keyring and session bus are never touched.
//! - The bus activates one service, the lab's own: as on a desktop session, a call to a Secret
//!   Service that is gone (gnome-keyring aborts on some races between clients) starts a new
//!   daemon, unlocked with the same password, on the same keyring files. Every name on the
//!   bus still belongs to this lab.
//! - Ready means `org.freedesktop.secrets` is owned, the `default` alias points at the `login`
//!   collection and that collection is unlocked.
//! - `DBUS_SESSION_BUS_ADDRESS` is process-wide and tests run on parallel threads, so a test
//!   binary uses one lab through [`KeyringLab::shared`]. A shared lab is never dropped; a small
//!   watcher process ends the daemons and removes the folder when the test process exits.
//!
//! Secret Service API: <https://specifications.freedesktop.org/secret-service/>.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use tempfile::TempDir;

use crate::process::{require_binary, run, Daemon};

const SECRETS: &str = "org.freedesktop.secrets";
const LOGIN: &str = "/org/freedesktop/secrets/collection/login";
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A private session bus with an unlocked gnome-keyring Secret Service on it.
#[derive(Debug)]
pub struct KeyringLab {
    bus_address: String,
    dbus_send: PathBuf,
    home: PathBuf,
    // Dropped first: the watcher then ends the daemons even if a kill below fails.
    _watcher: Watcher,
    _keyring: Daemon,
    _bus: Daemon,
    dir: TempDir,
}

impl KeyringLab {
    /// The password that unlocks the `login` collection.
    pub const PASSWORD: &'static str = "mailcall-lab";

    /// The lab shared by the whole test process, started on first use, with this process's
    /// `DBUS_SESSION_BUS_ADDRESS` pointing at it (so `keyring` and `secret-service` use it).
    pub fn shared() -> Result<&'static KeyringLab> {
        static SHARED: OnceLock<std::result::Result<KeyringLab, String>> = OnceLock::new();
        let lab = SHARED.get_or_init(|| {
            let lab = KeyringLab::start().map_err(|e| format!("{e:#}"))?;
            lab.use_in_this_process();
            Ok(lab)
        });
        lab.as_ref()
            .map_err(|e| anyhow!("the keyring lab did not start: {e}"))
    }

    /// Starts a separate lab without touching this process's environment.
    pub fn start() -> Result<Self> {
        let dbus_daemon = require_binary("dbus-daemon", "dbus-daemon")?;
        let dbus_send = require_binary("dbus-send", "dbus-bin")?;
        let gnome_keyring = require_binary("gnome-keyring-daemon", "gnome-keyring")?;
        let dir = tempfile::Builder::new()
            .prefix("mailcall-keyring-")
            .tempdir()?;
        let root = dir.path();
        for sub in ["home", "runtime", "data", "config", "cache"] {
            std::fs::create_dir(root.join(sub))?;
        }
        // gnome-keyring puts its control socket here and expects a private folder.
        std::fs::set_permissions(root.join("runtime"), std::fs::Permissions::from_mode(0o700))?;
        let socket = root.join("bus");
        let bus_address = format!("unix:path={}", socket.display());
        std::fs::write(root.join("bus.conf"), bus_config(&bus_address, root))?;
        std::fs::write(root.join("password"), Self::PASSWORD)?;
        write_activation(root, &gnome_keyring)?;

        let mut command = Command::new(&dbus_daemon);
        command.arg(format!("--config-file={}", root.join("bus.conf").display()));
        command.args(["--nofork", "--nopidfile"]);
        isolate(&mut command, root, &bus_address);
        let mut bus = Daemon::spawn("dbus-daemon", command, &root.join("dbus.log"))?;
        let ping = |dest: &str, path: &str, method: &str, args: &[&str]| {
            call(&dbus_send, &bus_address, dest, path, method, args)
        };
        let dbus = ("org.freedesktop.DBus", "/org/freedesktop/DBus");
        bus.wait_ready(START_TIMEOUT, || {
            Ok(ping(dbus.0, dbus.1, "org.freedesktop.DBus.GetId", &[]).is_ok())
        })?;

        // `--unlock` reads the password from stdin up to EOF, and the daemon API gives its
        // children no stdin, so a shell feeds the file in before becoming the daemon.
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(r#"exec "$0" "$@" < "$PASSWORD_FILE""#)
            .arg(&gnome_keyring);
        command.args([
            "--foreground",
            "--replace",
            "--unlock",
            "--components=secrets",
        ]);
        command.env("PASSWORD_FILE", root.join("password"));
        isolate(&mut command, root, &bus_address);
        let mut keyring =
            Daemon::spawn("gnome-keyring-daemon", command, &root.join("keyring.log"))?;
        let watcher = watch(&[bus.pid(), keyring.pid()], root)?;

        keyring.wait_ready(START_TIMEOUT, || {
            let has_owner = "org.freedesktop.DBus.NameHasOwner";
            let owned = ping(dbus.0, dbus.1, has_owner, &[&format!("string:{SECRETS}")])?;
            if !owned.contains("boolean true") {
                return Ok(false);
            }
            let read_alias = "org.freedesktop.Secret.Service.ReadAlias";
            let service = "/org/freedesktop/secrets";
            if !ping(SECRETS, service, read_alias, &["string:default"])?.contains(LOGIN) {
                return Ok(false);
            }
            let get = "org.freedesktop.DBus.Properties.Get";
            let property = ["string:org.freedesktop.Secret.Collection", "string:Locked"];
            Ok(ping(SECRETS, LOGIN, get, &property)?.contains("boolean false"))
        })?;

        Ok(Self {
            bus_address,
            dbus_send,
            home: root.join("home"),
            _watcher: watcher,
            _keyring: keyring,
            _bus: bus,
            dir,
        })
    }

    /// The bus address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn bus_address(&self) -> &str {
        &self.bus_address
    }

    /// The process that owns the Secret Service name now: the first daemon, or one the bus
    /// started after it died.
    pub fn secret_service_pid(&self) -> Result<u32> {
        let dbus = ("org.freedesktop.DBus", "/org/freedesktop/DBus");
        let method = "org.freedesktop.DBus.GetConnectionUnixProcessID";
        let name = format!("string:{SECRETS}");
        let reply = call(
            &self.dbus_send,
            &self.bus_address,
            dbus.0,
            dbus.1,
            method,
            &[&name],
        )?;
        reply
            .split_whitespace()
            .skip_while(|w| *w != "uint32")
            .nth(1)
            .and_then(|pid| pid.parse().ok())
            .with_context(|| format!("no process id in {reply:?}"))
    }

    /// The temporary HOME the daemons run with.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Points this process's session bus at the lab; [`Self::shared`] already does this.
    pub fn use_in_this_process(&self) {
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &self.bus_address);
    }

    /// Points a child process (`secret-tool`, the app under test) at the lab.
    pub fn configure<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        isolate(command, self.dir.path(), &self.bus_address)
    }
}

/// Gives a process the lab's bus and folders instead of the user's.
fn isolate<'c>(command: &'c mut Command, root: &Path, bus_address: &str) -> &'c mut Command {
    command
        .env("DBUS_SESSION_BUS_ADDRESS", bus_address)
        .env("HOME", root.join("home"))
        .env("XDG_RUNTIME_DIR", root.join("runtime"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        // Without a display, a prompt fails at once instead of waiting for a click.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
}

/// One `dbus-send --print-reply` call on the lab's bus; its reply as text.
fn call(
    dbus_send: &Path,
    bus_address: &str,
    dest: &str,
    path: &str,
    method: &str,
    args: &[&str],
) -> Result<String> {
    let mut command = Command::new(dbus_send);
    command.arg(format!("--bus={bus_address}"));
    command.args(["--print-reply", &format!("--dest={dest}"), path, method]);
    run(command.args(args))
}

/// The bus's service folder with the Secret Service in it: a shell that records its pid (for
/// the watcher) and becomes an unlocked gnome-keyring, as the lab's first daemon is.
fn write_activation(root: &Path, gnome_keyring: &Path) -> Result<()> {
    let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
    let script = format!(
        "echo $$ >> {pids}\nexec {daemon} --foreground --replace --unlock --components=secrets \
         < {password} >> {log} 2>&1\n",
        pids = quote(&root.join("keyring.pids")),
        daemon = quote(gnome_keyring),
        password = quote(&root.join("password")),
        log = quote(&root.join("keyring.log")),
    );
    std::fs::write(root.join("activate-keyring.sh"), script)?;
    let services = root.join("services");
    std::fs::create_dir(&services)?;
    let service = format!(
        "[D-BUS Service]\nName={SECRETS}\nExec=/bin/sh {}\n",
        root.join("activate-keyring.sh").display()
    );
    std::fs::write(services.join(format!("{SECRETS}.service")), service)?;
    Ok(())
}

/// A session bus that only listens on `address` and activates only the lab's Secret Service.
fn bus_config(address: &str, root: &Path) -> String {
    let services = root.join("services");
    let services = services.display();
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{address}</listen>
  <servicedir>{services}</servicedir>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#
    )
}

/// A shell that waits for EOF on its stdin, then kills the lab's daemons and removes its folder.
///
/// The pipe closes when the lab is dropped or the test process exits in any way, which a lab
/// kept in a `static` needs because statics are never dropped.
#[derive(Debug)]
struct Watcher {
    stdin: Option<ChildStdin>,
    child: Child,
}

fn watch(pids: &[u32], dir: &Path) -> Result<Watcher> {
    // Daemons the bus started later are listed in `keyring.pids`.
    let script = r#"trap "" INT HUP; read -r _ignored; kill "$@" $(cat "$0/keyring.pids" 2>/dev/null) 2>/dev/null; rm -rf "$0""#;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(dir)
        .args(pids.iter().map(u32::to_string))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start the keyring lab watcher")?;
    let stdin = child.stdin.take();
    Ok(Watcher { stdin, child })
}

impl Drop for Watcher {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
