//! [`Api`]: the accounts of the configuration, each running as a [`Live`] from
//! [`Api::load`] to [`Api::shutdown`], and the account commands (list, test, add, edit,
//! remove). Mail commands are in `mail` and `actions`.
//!
//! Invariants:
//! - The configuration file is the CLI's (`MAILCALL_CONFIG` or the platform default);
//!   the app reads and writes it with the engine's own `Config`, so both see the same
//!   accounts.
//! - A password reaches the keyring only after the server accepted it, and the
//!   configuration is written only after the keyring stored it: a refused login or a
//!   keyring failure leaves nothing behind.
//! - Account edits are serialized by one lock, so two forms never overwrite each other.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use mailcall_mail::{Account, Config, Connection, Keyring, Password};
use tokio::sync::{broadcast, Mutex, RwLock};

use crate::call::{CallOptions, Calls};
use crate::error::{ApiError, ApiResult};
use crate::live::{Live, LiveOptions};
use crate::settings::StateFile;
use crate::types::{AccountForm, AccountInfo, AccountStatus, AppEvent};

/// Where the app keeps its accounts and how it runs them.
#[derive(Clone, Debug)]
pub struct ApiOptions {
    /// The account configuration (shared with the CLI).
    pub config_path: PathBuf,
    /// Where passwords and cache keys live (tests use a service name of their own).
    pub keyring: Keyring,
    pub live: LiveOptions,
    pub calls: CallOptions,
    /// Where caches of accounts added here go; `None` is the engine's default (the
    /// platform data folder).
    pub cache_dir: Option<PathBuf>,
}

impl ApiOptions {
    /// The configuration the CLI uses (`MAILCALL_CONFIG`, else the platform default) and
    /// the default keyring.
    pub fn from_env() -> ApiResult<ApiOptions> {
        Ok(ApiOptions {
            config_path: Config::path(None)?,
            keyring: Keyring::default(),
            live: LiveOptions {
                // Tests make applies of many small commands, to stop one in the middle.
                sort_chunk: std::env::var("MAILCALL_SORT_CHUNK")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(LiveOptions::default().sort_chunk),
                ..LiveOptions::default()
            },
            calls: CallOptions::default(),
            cache_dir: None,
        })
    }
}

/// The app layer. Cheap to clone; every clone is the same app.
#[derive(Clone)]
pub struct Api {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub opts: ApiOptions,
    pub events: broadcast::Sender<AppEvent>,
    pub accounts: RwLock<BTreeMap<String, Arc<Live>>>,
    /// Held while the configuration is read, changed and written.
    pub config_lock: Mutex<()>,
    pub state: StateFile,
    pub calls: Calls,
    pub assistants: crate::assistants::Assistants,
}

impl Api {
    /// Reads the configuration and starts every account. An account that cannot start
    /// (no password stored, a cache that does not open) is still listed; its status says
    /// why.
    pub async fn load(opts: ApiOptions) -> ApiResult<Api> {
        let config = read_config(&opts.config_path).await?;
        let state = StateFile::beside(&opts.config_path)?;
        let opts_calls = opts.calls.clone();
        let (events, _) = broadcast::channel(4096);
        let api = Api {
            inner: Arc::new(Inner {
                opts,
                events,
                accounts: RwLock::new(BTreeMap::new()),
                config_lock: Mutex::new(()),
                state,
                calls: Calls::new(opts_calls),
                assistants: Default::default(),
            }),
        };
        for account in config.accounts {
            if let Err(e) = api.start(account.clone()).await {
                tracing::warn!(account = %account.name, error = %e, "account not started");
            }
        }
        // An endpoint that cannot start (its port taken) says why on the settings page.
        if let Err(e) = api.restart_assistants().await {
            tracing::warn!(error = %e, "the assistants' endpoint did not start");
        }
        Ok(api)
    }

    /// Events from now on: sync progress, changes, status. A receiver more than 4,096
    /// events behind misses the oldest (and is told so by `broadcast`).
    pub fn subscribe(&self) -> broadcast::Receiver<AppEvent> {
        self.inner.events.subscribe()
    }

    /// Leaves the call, stops every account's service and waits for them.
    pub async fn shutdown(&self) {
        let _ = self.leave_call().await;
        self.stop_assistants().await;
        let lives: Vec<_> = std::mem::take(&mut *self.inner.accounts.write().await)
            .into_values()
            .collect();
        for live in lives {
            live.stop().await;
        }
    }

    async fn start(&self, account: Account) -> ApiResult<()> {
        let live = Live::start(
            account.clone(),
            &self.inner.opts.keyring,
            &self.inner.opts.live,
            self.inner.events.clone(),
        )
        .await?;
        if let Some(old) = self.inner.accounts.write().await.insert(account.name, live) {
            old.stop().await;
        }
        Ok(())
    }

    pub(crate) async fn live(&self, account: &str) -> ApiResult<Arc<Live>> {
        self.inner
            .accounts
            .read()
            .await
            .get(account)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("There is no account {account}.")))
    }

    /// Every configured account, in configuration order.
    pub async fn accounts(&self) -> ApiResult<Vec<AccountInfo>> {
        let config = read_config(&self.inner.opts.config_path).await?;
        Ok(config.accounts.iter().map(info).collect())
    }

    /// Where each account's sync stands.
    pub async fn status(&self, account: &str) -> ApiResult<AccountStatus> {
        Ok(self.live(account).await?.status())
    }

    /// The status of every running account.
    pub async fn statuses(&self) -> Vec<AccountStatus> {
        let lives: Vec<_> = self.inner.accounts.read().await.values().cloned().collect();
        lives.iter().map(|l| l.status()).collect()
    }

    /// Logs in with the form's settings and logs out again; saves nothing.
    pub async fn test_account(&self, form: AccountForm) -> ApiResult<()> {
        let account = account_from_form(&form, None)?;
        self.login(&account, &Password::new(form.password)).await
    }

    /// Tests the login, stores the password in the keyring, adds the account to the
    /// configuration and starts it.
    pub async fn add_account(&self, form: AccountForm) -> ApiResult<AccountInfo> {
        if form.password.is_empty() {
            return Err(ApiError::invalid("Enter the password of the account."));
        }
        let _edit = self.inner.config_lock.lock().await;
        let mut config = read_config(&self.inner.opts.config_path).await?;
        let mut account = account_from_form(&form, None)?;
        if let Some(dir) = &self.inner.opts.cache_dir {
            account.cache_path = Some(dir.join(format!("{}.sqlite", account.name)));
        }
        if config.accounts.iter().any(|a| a.name == account.name) {
            return Err(ApiError::invalid(format!(
                "An account named {} already exists; choose another name.",
                account.name
            )));
        }
        let password = Password::new(form.password);
        self.login(&account, &password).await?;
        let keyring = &self.inner.opts.keyring;
        keyring.set_password(&account.name, &password).await?;
        config.add(account.clone())?;
        if let Err(e) = write_config(&self.inner.opts.config_path, config).await {
            let _ = keyring.delete_account(&account.name).await;
            return Err(e);
        }
        self.start(account.clone()).await?;
        self.emit(AppEvent::AccountsChanged);
        Ok(info(&account))
    }

    /// Changes an account's server settings (and password, when one is given), after
    /// testing the login with them; the account restarts with the new settings.
    pub async fn update_account(&self, id: String, form: AccountForm) -> ApiResult<AccountInfo> {
        let _edit = self.inner.config_lock.lock().await;
        let mut config = read_config(&self.inner.opts.config_path).await?;
        let old = config.account(&id)?.clone();
        let account = account_from_form(&form, Some(&old))?;
        let keyring = &self.inner.opts.keyring;
        let password = if form.password.is_empty() {
            keyring.password(&id).await?
        } else {
            Password::new(form.password)
        };
        self.login(&account, &password).await?;
        keyring.set_password(&id, &password).await?;
        if let Some(slot) = config.accounts.iter_mut().find(|a| a.name == id) {
            *slot = account.clone();
        }
        write_config(&self.inner.opts.config_path, config).await?;
        if let Some(live) = self.inner.accounts.write().await.remove(&id) {
            live.stop().await;
        }
        self.start(account.clone()).await?;
        self.emit(AppEvent::AccountsChanged);
        Ok(info(&account))
    }

    /// Stops an account, removes it from the configuration and its secrets from the
    /// keyring, and with `delete_cache` its cache files too.
    pub async fn remove_account(&self, id: String, delete_cache: bool) -> ApiResult<()> {
        let _edit = self.inner.config_lock.lock().await;
        let mut config = read_config(&self.inner.opts.config_path).await?;
        let account = config.remove(&id)?;
        if let Some(live) = self.inner.accounts.write().await.remove(&id) {
            live.stop().await;
        }
        write_config(&self.inner.opts.config_path, config).await?;
        self.inner.opts.keyring.delete_account(&id).await?;
        if delete_cache {
            let file = account.cache_file()?;
            tokio::task::spawn_blocking(move || {
                for suffix in ["", "-wal", "-shm"] {
                    let mut path = file.as_os_str().to_owned();
                    path.push(suffix);
                    match std::fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => {
                            return Err(ApiError::internal(format!(
                            "The account is removed, but its cache {} could not be deleted: {e}",
                            PathBuf::from(path).display()
                        )))
                        }
                    }
                }
                Ok(())
            })
            .await
            .map_err(|e| ApiError::internal(format!("deleting the cache failed: {e}")))??;
        }
        let _ = self
            .inner
            .state
            .update(move |s| s.delimiters.remove(&id))
            .await;
        self.emit(AppEvent::AccountsChanged);
        Ok(())
    }

    /// Logs in and records the server's hierarchy delimiter for the folder tree.
    async fn login(&self, account: &Account, password: &Password) -> ApiResult<()> {
        let mut conn = Connection::open(account, password).await?;
        let listed = conn.list_folders().await;
        conn.logout().await;
        let delimiter = listed?.into_iter().find_map(|f| f.delimiter);
        if let Some(delimiter) = delimiter {
            let name = account.name.clone();
            self.inner
                .state
                .update(move |s| s.delimiters.insert(name, delimiter))
                .await?;
        }
        Ok(())
    }

    pub(crate) fn emit(&self, event: AppEvent) {
        let _ = self.inner.events.send(event);
    }
}

fn info(a: &Account) -> AccountInfo {
    AccountInfo {
        id: a.name.clone(),
        address: a.addresses.first().cloned().unwrap_or_default(),
        host: a.host.clone(),
        port: a.port(),
        security: a.security.into(),
        user: a.user.clone(),
    }
}

/// An account id made from an address: its characters that may name an account.
fn id_from_address(address: &str) -> String {
    let id: String = address
        .trim()
        .chars()
        .map(|c| match c {
            '@' => '_',
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') => c,
            _ => '-',
        })
        .take(64)
        .collect();
    if id.is_empty() {
        "mail".to_owned()
    } else {
        id
    }
}

/// The account a form describes; `base` keeps what the form does not show (folder
/// roles, cache settings, CA file) of an existing account.
fn account_from_form(form: &AccountForm, base: Option<&Account>) -> ApiResult<Account> {
    let address = form.address.trim();
    if !address.contains('@') {
        return Err(ApiError::invalid(format!(
            "{address:?} is not a mail address."
        )));
    }
    let name = match (base, form.id.as_deref().map(str::trim)) {
        (Some(b), _) => b.name.clone(),
        (None, Some(id)) if !id.is_empty() => id.to_owned(),
        (None, _) => id_from_address(address),
    };
    let mut account = base.cloned().unwrap_or_else(|| Account::new(&name, "", ""));
    account.host = form.host.trim().to_owned();
    account.user = form.user.trim().to_owned();
    account.security = form.security.into();
    account.port = form.port;
    account.allow_plaintext = form.security == crate::types::SecurityKind::Plain;
    account.ca_file = form
        .ca_file
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(PathBuf::from);
    account.trusted_certificate =
        match form.trust_fingerprint.as_deref().map(str::trim) {
            Some(fp) if !fp.is_empty() => Some(fp.parse().map_err(|e| {
                ApiError::invalid(format!("The fingerprint {fp} cannot be read: {e}"))
            })?),
            _ => None,
        };
    account
        .addresses
        .retain(|a| !a.eq_ignore_ascii_case(address));
    account.addresses.insert(0, address.to_lowercase());
    account.validate()?;
    Ok(account)
}

pub(crate) async fn read_config(path: &std::path::Path) -> ApiResult<Config> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || Config::load(&path))
        .await
        .map_err(|e| ApiError::internal(format!("reading the configuration failed: {e}")))?
        .map_err(ApiError::from)
}

pub(crate) async fn write_config(path: &std::path::Path, config: Config) -> ApiResult<()> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || config.save(&path))
        .await
        .map_err(|e| ApiError::internal(format!("writing the configuration failed: {e}")))?
        .map_err(ApiError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::SecurityKind;

    fn form(address: &str) -> AccountForm {
        AccountForm {
            id: None,
            address: address.to_owned(),
            host: "imap.example.org".to_owned(),
            port: None,
            security: SecurityKind::Tls,
            user: "me".to_owned(),
            password: "x".to_owned(),
            ca_file: None,
            trust_fingerprint: None,
        }
    }

    #[test]
    fn an_account_id_is_made_from_the_address() {
        let a = account_from_form(&form("Ann.Lee+x@Example.org"), None).expect("valid");
        assert_eq!(a.name, "Ann.Lee-x_Example.org");
        assert_eq!(a.addresses, ["ann.lee+x@example.org"]);
        assert_eq!(a.port(), 993);
    }

    #[test]
    fn a_form_without_an_address_is_refused() {
        let e = account_from_form(&form("nobody"), None).expect_err("refused");
        assert_eq!(e.kind(), "invalid");
    }
}
