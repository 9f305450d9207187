//! Accounts: the TOML configuration of every mail account, where it lives, and the rules
//! a setting must pass before anything connects.
//!
//! Invariants:
//! - The configuration never holds a secret. Passwords and cache keys live in the OS
//!   keyring ([`crate::credentials`]); a `password`-like key in the file is refused, and
//!   errors about the file never quote its lines (a user may have pasted one there).
//! - TLS is the default. `security = "plain"` is honoured only together with
//!   `allow_plaintext = true`, so plaintext is always an explicit, double choice.
//! - Account names are short identifiers (letters, digits, `.`, `_`, `-`): they name
//!   keyring entries and the default cache file.
//!
//! - A server certificate is trusted through the system roots plus `ca_file`, or, with
//!   `trusted_certificate`, exactly that one certificate and nothing else.
//!
//! Folder roles follow RFC 6154 (SPECIAL-USE) as announced by the server; `[account.folders]`
//! overrides them per role.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::certificate::Fingerprint;
use crate::error::{Error, Result};
use crate::types::MailboxRole;

/// File name of the configuration inside the platform config folder.
const CONFIG_DIR: &str = "mailcall";
const CONFIG_FILE: &str = "config.toml";
/// Keys that would hold a secret; refused wherever they appear in an account.
const SECRET_KEYS: [&str; 5] = ["password", "pass", "passwd", "secret", "cache_key"];

/// How the connection to the IMAP server is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Implicit TLS from the first byte (usually port 993).
    #[default]
    Tls,
    /// Plain connection upgraded with STARTTLS before login (usually port 143).
    Starttls,
    /// No TLS at all; only with `allow_plaintext = true`.
    Plain,
}

impl Security {
    pub fn default_port(self) -> u16 {
        match self {
            Security::Tls => 993,
            Security::Starttls | Security::Plain => 143,
        }
    }
}

/// Folder names that override the roles the server announces.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderRoles {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drafts: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub junk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<String>,
}

impl FolderRoles {
    fn overrides(&self) -> [(MailboxRole, Option<&str>); 6] {
        [
            (MailboxRole::Sent, self.sent.as_deref()),
            (MailboxRole::Drafts, self.drafts.as_deref()),
            (MailboxRole::Trash, self.trash.as_deref()),
            (MailboxRole::Junk, self.junk.as_deref()),
            (MailboxRole::Archive, self.archive.as_deref()),
            (MailboxRole::All, self.all.as_deref()),
        ]
    }

    /// The role of each listed folder: INBOX is always the inbox; a configured name takes
    /// its role away from whichever folder the server marked with it.
    pub fn assign(
        &self,
        listed: &[(String, Option<MailboxRole>)],
    ) -> Vec<(String, Option<MailboxRole>)> {
        let overrides = self.overrides();
        listed
            .iter()
            .map(|(name, server_role)| {
                if name.eq_ignore_ascii_case("INBOX") {
                    return (name.clone(), Some(MailboxRole::Inbox));
                }
                // A configured name may be in either spelling (see `mailbox_name`).
                let configured = overrides.iter().find(|(_, n)| {
                    n.is_some_and(|n| n == name || crate::mailbox_name::from_user(n) == *name)
                });
                let role = match (configured, server_role) {
                    (Some((role, _)), _) => Some(*role),
                    // The server's role stands unless the user gave it to another folder.
                    (None, Some(role)) => {
                        let taken = overrides.iter().any(|(r, n)| r == role && n.is_some());
                        (!taken).then_some(*role)
                    }
                    (None, None) => None,
                };
                (name.clone(), role)
            })
            .collect()
    }
}

/// One mail account as written in the configuration (`[[account]]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    pub host: String,
    /// Defaults to 993 for `tls`, 143 otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: Security,
    /// The second half of the explicit choice of `security = "plain"`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_plaintext: bool,
    pub user: String,
    /// My own addresses, for "waiting for my reply" and sender analytics.
    #[serde(default)]
    pub addresses: Vec<String>,
    #[serde(default)]
    pub folders: FolderRoles,
    /// Extra trusted root certificates (PEM), added to the system roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Trust exactly the server certificate with this SHA-256 fingerprint
    /// (`SHA256:AB:CD:…`) and nothing else: no system roots, no CA file, no name or date
    /// checks. The handshake signature is still verified. Excludes `ca_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_certificate: Option<Fingerprint>,
    /// Defaults to `<data dir>/mailcall/<name>.sqlite`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_path: Option<PathBuf>,
    /// Encrypt the cache with SQLCipher; the key is kept in the OS keyring.
    #[serde(default)]
    pub encrypt_cache: bool,
    /// Let the MCP server change mail (flags, moves, drafts, applying sort plans). Off by
    /// default: an assistant can then only read the cache.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mcp_writes: bool,
    /// Sort rules kept to run again ("my rules"), each with a unique name; the window and
    /// the MCP server read and change the same list.
    #[serde(default, rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<crate::sort::Rule>,
}

impl Account {
    /// A TLS account on the default port with everything else defaulted.
    pub fn new(name: &str, host: &str, user: &str) -> Account {
        Account {
            name: name.to_owned(),
            host: host.to_owned(),
            port: None,
            security: Security::Tls,
            allow_plaintext: false,
            user: user.to_owned(),
            addresses: Vec::new(),
            folders: FolderRoles::default(),
            ca_file: None,
            trusted_certificate: None,
            cache_path: None,
            encrypt_cache: false,
            mcp_writes: false,
            rules: Vec::new(),
        }
    }

    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.security.default_port())
    }

    /// Where the cache of this account lives.
    pub fn cache_file(&self) -> Result<PathBuf> {
        if let Some(path) = &self.cache_path {
            return Ok(path.clone());
        }
        let data = dirs::data_dir()
            .ok_or_else(|| self.invalid("no data folder is known for this user; set cache_path"))?;
        Ok(data.join(CONFIG_DIR).join(format!("{}.sqlite", self.name)))
    }

    /// My addresses as the cache's analytics want them.
    pub fn my_addresses(&self) -> Vec<&str> {
        self.addresses.iter().map(String::as_str).collect()
    }

    fn invalid(&self, reason: &str) -> Error {
        Error::InvalidAccount {
            account: self.name.clone(),
            reason: reason.to_owned(),
        }
    }

    /// Checks what can be checked without the network.
    pub fn validate(&self) -> Result<()> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !name_ok {
            return Err(self.invalid("the name must be 1-64 letters, digits, '.', '_' or '-'"));
        }
        if self.host.trim().is_empty() || self.host.contains(char::is_whitespace) {
            return Err(self.invalid("the host is empty or contains blanks"));
        }
        if self.user.is_empty() {
            return Err(self.invalid("the user is empty"));
        }
        if self.port == Some(0) {
            return Err(self.invalid("port 0 is not a port"));
        }
        if self.security == Security::Plain && !self.allow_plaintext {
            return Err(self.invalid(
                "security = \"plain\" sends the password unencrypted; it also needs allow_plaintext = true",
            ));
        }
        if self.trusted_certificate.is_some() && self.ca_file.is_some() {
            return Err(self.invalid(
                "trusted_certificate trusts exactly one certificate; it does not go with ca_file",
            ));
        }
        if self.allow_plaintext && self.security != Security::Plain {
            return Err(self.invalid("allow_plaintext = true only goes with security = \"plain\""));
        }
        Ok(())
    }
}

/// Every configured account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    #[serde(default, rename = "account")]
    pub accounts: Vec<Account>,
}

impl Config {
    /// The configuration path: `explicit` (a `--config` flag), else `$MAILCALL_CONFIG`,
    /// else `<config dir>/mailcall/config.toml`.
    pub fn path(explicit: Option<&Path>) -> Result<PathBuf> {
        if let Some(p) = explicit {
            return Ok(p.to_owned());
        }
        if let Some(p) = std::env::var_os("MAILCALL_CONFIG").filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(p));
        }
        let dir = dirs::config_dir().ok_or_else(|| Error::ConfigFile {
            action: "locate",
            path: PathBuf::from(CONFIG_FILE),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no config folder is known for this user",
            ),
        })?;
        Ok(dir.join(CONFIG_DIR).join(CONFIG_FILE))
    }

    /// Reads the configuration; a missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(Error::ConfigFile {
                    action: "read",
                    path: path.to_owned(),
                    source,
                })
            }
        };
        Config::parse(&text, path)
    }

    /// Parses configuration text; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let syntax = |reason: String| Error::ConfigSyntax {
            path: path.to_owned(),
            source: reason.into(),
        };
        // toml's own error text quotes the offending line, which could hold a pasted
        // password: only its message and line number are kept.
        let located = |e: toml::de::Error| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            match line {
                Some(line) => syntax(format!("line {line}: {}", e.message())),
                None => syntax(e.message().to_owned()),
            }
        };
        let table: toml::Table = toml::from_str(text).map_err(located)?;
        if let Some(toml::Value::Array(accounts)) = table.get("account") {
            for (i, account) in accounts.iter().enumerate() {
                if let Some(key) = account
                    .as_table()
                    .and_then(|t| SECRET_KEYS.iter().find(|k| t.contains_key(**k)))
                {
                    return Err(syntax(format!(
                        "account #{}: `{key}` does not belong in the configuration; secrets are kept in the OS keyring \
                         (mailcall-cli account set-password)",
                        i + 1
                    )));
                }
            }
        }
        let config: Config = toml::from_str(text).map_err(located)?;
        for (i, a) in config.accounts.iter().enumerate() {
            a.validate()?;
            if config.accounts[..i].iter().any(|b| b.name == a.name) {
                return Err(Error::AccountExists(a.name.clone()));
            }
        }
        Ok(config)
    }

    /// Writes the configuration atomically (temporary file, then rename), creating the
    /// folder when needed.
    pub fn save(&self, path: &Path) -> Result<()> {
        let io = |action, source| Error::ConfigFile {
            action,
            path: path.to_owned(),
            source,
        };
        let text = toml::to_string_pretty(self).map_err(|e| Error::ConfigSyntax {
            path: path.to_owned(),
            source: e.to_string().into(),
        })?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io("create the folder of", e))?;
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, text).map_err(|e| io("write", e))?;
        std::fs::rename(&tmp, path).map_err(|e| io("replace", e))
    }

    pub fn account(&self, name: &str) -> Result<&Account> {
        self.accounts
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| Error::NoAccount(name.to_owned()))
    }

    /// The named account, or the only one when `name` is `None`.
    pub fn pick(&self, name: Option<&str>) -> Result<&Account> {
        match (name, self.accounts.as_slice()) {
            (Some(n), _) => self.account(n),
            (None, [only]) => Ok(only),
            (None, []) => Err(Error::NoAccount("(none configured)".to_owned())),
            (None, _) => Err(Error::NoAccount(
                "(several configured: choose one with --account)".to_owned(),
            )),
        }
    }

    /// Adds a validated account with a new name.
    pub fn add(&mut self, account: Account) -> Result<()> {
        account.validate()?;
        if self.accounts.iter().any(|a| a.name == account.name) {
            return Err(Error::AccountExists(account.name));
        }
        self.accounts.push(account);
        Ok(())
    }

    /// Removes an account from the list and returns it.
    pub fn remove(&mut self, name: &str) -> Result<Account> {
        let i = self
            .accounts
            .iter()
            .position(|a| a.name == name)
            .ok_or_else(|| Error::NoAccount(name.to_owned()))?;
        Ok(self.accounts.remove(i))
    }
}
