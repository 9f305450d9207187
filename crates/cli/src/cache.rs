//! Opening the configuration, the keyring and an account's cache.

use std::path::Path;

use mailcall_mail::{Account, CacheAccess, Config, Keyring, Store};

/// The configuration and the chosen account.
pub fn account(config_path: &Path, name: Option<&str>) -> anyhow::Result<(Config, Account)> {
    let config = Config::load(config_path)?;
    let account = config.pick(name)?.clone();
    Ok((config, account))
}

/// Opens the account's cache. With `create_key`, an encrypted cache gets a new key in the
/// keyring when it has none yet (first sync); reads never create one.
pub async fn open(account: &Account, create_key: bool) -> anyhow::Result<Store> {
    let access = CacheAccess::of(account, &Keyring::default(), create_key).await?;
    Ok(access.open()?)
}
