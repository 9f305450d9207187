//! What the demo hands to the script that opens the app (and to its test), in `--out`:
//!
//! - `demo.env`: `export` lines with the app's environment (the private configuration, data
//!   and cache folders, and the private keyring's bus when there is one);
//! - `call-server.json`: the all-hands server and room. Neither the app nor `mailcall-cli`
//!   keeps call servers yet, so this file is where the demo's one is written down;
//! - `demo.json`, written last, so a reader that finds it finds the others: all of the above
//!   and the mailbox's counts from the fixture manifest.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};

use crate::allhands::{AllHands, ROOM, ROOM_NAME};
use crate::mailbox::Mailbox;
use crate::secrets::Secrets;

pub const ENV_FILE: &str = "demo.env";
pub const CALL_FILE: &str = "call-server.json";
pub const READY_FILE: &str = "demo.json";

/// Removes the files of an earlier run, so nobody reads them as this run's.
pub fn clear(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for name in [READY_FILE, ENV_FILE, CALL_FILE] {
        match std::fs::remove_file(out.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove {name}"))
            }
            _ => {}
        }
    }
    Ok(())
}

pub struct Ready<'a> {
    pub home: &'a Path,
    pub config: &'a Path,
    pub mailbox: &'a Mailbox,
    pub secrets: &'a Secrets,
    pub allhands: &'a AllHands,
    /// Headless attendees that join once the demo is ready.
    pub attendees: usize,
}

impl Ready<'_> {
    pub fn write(&self, out: &Path) -> Result<()> {
        let env = self.app_env();
        let exports: String = env
            .iter()
            .map(|(key, value)| format!("export {key}={}\n", shell_quote(value)))
            .collect();
        write(out, ENV_FILE, exports.as_bytes())?;
        let call = self.call_server();
        write(out, CALL_FILE, &serde_json::to_vec_pretty(&call)?)?;
        self.keep_call_profile()?;
        let ready = json!({
            "appEnv": env,
            "account": self.account(),
            "keyring": self.secrets.describe(),
            "mailbox": self.mailbox_facts(),
            "call": call,
            "netns": self.allhands.netns(),
        });
        write(out, READY_FILE, &serde_json::to_vec_pretty(&ready)?)
    }

    /// Tells the person running the demo what is where.
    pub fn announce(&self, out: &Path) {
        let lab = self.mailbox.lab();
        let manifest = self.mailbox.manifest();
        let inbox = manifest.by_folder.get("INBOX");
        say!(
            "mail: account \"{}\" ({} on {}:{}, its certificate pinned), {} messages, INBOX {} ({} unread)",
            crate::mailbox::ACCOUNT,
            self.mailbox.address(),
            lab.host(),
            lab.imaps_port(),
            manifest.messages,
            inbox.map_or(0, |c| c.total),
            inbox.map_or(0, |c| c.unseen),
        );
        let ws = self.allhands.ws_url();
        say!(
            "call: the {ROOM_NAME}, room {} on {ws}; speakers {}",
            ROOM.0,
            self.allhands.speaker_names().join(", ")
        );
        say!(
            "call: the app lists it as \"Mailcall demo\" on its Calls page; also written in {}",
            out.join(CALL_FILE).display()
        );
        say!(
            "call: join it from a terminal: cargo run -p mailcall-cli -- call join --server {ws} \
             --room {} --display \"Your name\"",
            ROOM.0
        );
    }

    /// The environment that makes the app use the demo's folders and keyring, never the
    /// user's own configuration.
    fn app_env(&self) -> Map<String, Value> {
        let dir = |sub: &str| Value::from(self.home.join(sub).display().to_string());
        let mut env = Map::new();
        env.insert(
            "MAILCALL_CONFIG".into(),
            self.config.display().to_string().into(),
        );
        env.insert("XDG_CONFIG_HOME".into(), dir("config"));
        env.insert("XDG_DATA_HOME".into(), dir("data"));
        env.insert("XDG_CACHE_HOME".into(), dir("cache"));
        if let Some(bus) = self.secrets.bus_address() {
            env.insert("DBUS_SESSION_BUS_ADDRESS".into(), bus.into());
        }
        env
    }

    fn account(&self) -> Value {
        let lab = self.mailbox.lab();
        let account = self.mailbox.account(self.home);
        json!({
            "name": account.name,
            "host": lab.host(),
            "port": lab.imaps_port(),
            "user": account.user,
            "address": self.mailbox.address(),
            "trustedCertificate": account.trusted_certificate.map(|f| f.to_string()),
        })
    }

    /// Counts a test checks the window against, straight from the fixture manifest.
    fn mailbox_facts(&self) -> Value {
        let mut facts = self.mailbox.manifest().summary();
        let path = self.mailbox.manifest_path().display().to_string();
        facts["manifestPath"] = path.into();
        facts
    }

    /// The all-hands' server among the app's call servers (its `app.json`, beside the
    /// configuration), so the call page offers it at once.
    fn keep_call_profile(&self) -> Result<()> {
        let dir = self
            .config
            .parent()
            .context("the configuration has no folder")?;
        let state = json!({
            "callProfiles": [{
                "name": "Mailcall demo",
                "servers": [self.allhands.ws_url(), self.allhands.http_url()],
                "token": { "kind": "none" },
                "slots": 4,
            }],
        });
        write(dir, "app.json", &serde_json::to_vec_pretty(&state)?)
    }

    fn call_server(&self) -> Value {
        json!({
            "name": "Mailcall demo",
            "servers": [self.allhands.ws_url(), self.allhands.http_url()],
            "room": ROOM.0,
            "roomName": ROOM_NAME,
            "speakers": self.allhands.speaker_names(),
            "attendees": self.attendees,
            "adminKey": self.allhands.admin_key(),
        })
    }
}

/// Writes `name` in `out` through a temporary file, so it appears whole or not at all.
fn write(out: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = out.join(name);
    let partial = out.join(format!(".{name}.partial"));
    std::fs::write(&partial, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))
}

/// `value` as a POSIX shell reads it back.
fn shell_quote(value: &Value) -> String {
    let text = value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned);
    format!("'{}'", text.replace('\'', r"'\''"))
}
