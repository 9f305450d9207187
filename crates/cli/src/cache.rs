//! Opening the configuration, the keyring and an account's cache.

use std::path::Path;

use anyhow::Context;
use mailcall_mail::{Account, Config, Keyring, Store};

/// The configuration and the chosen account.
pub fn account(config_path: &Path, name: Option<&str>) -> anyhow::Result<(Config, Account)> {
    let config = Config::load(config_path)?;
    let account = config.pick(name)?.clone();
    Ok((config, account))
}

/// Opens the account's cache. With `create_key`, an encrypted cache gets a new key in the
/// keyring when it has none yet (first sync); reads never create one.
pub async fn open(account: &Account, create_key: bool) -> anyhow::Result<Store> {
    let path = account.cache_file()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let key = if account.encrypt_cache {
        let key = Keyring::default()
            .cache_key(&account.name, create_key)
            .await?;
        if key.is_none() && path.exists() {
            anyhow::bail!(
                "the cache of {} is encrypted and its key is not in the keyring",
                account.name
            );
        }
        key
    } else {
        None
    };
    Ok(Store::open(&path, key.as_ref())?)
}
