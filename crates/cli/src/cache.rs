//! Opening the configuration, the keyring and an account's cache.

use std::path::Path;

use mailcall_mail::{Account, CacheAccess, Config, Keyring, Store};

/// The configuration and the chosen account.
pub fn account(config_path: &Path, name: Option<&str>) -> anyhow::Result<(Config, Account)> {
    let config = Config::load(config_path)?;
    let account = config.pick(name)?.clone();
    Ok((config, account))
}

/// The configured account `name` (or the only one) and its cache, for the commands that
/// read or change mail without creating a cache key.
pub async fn account_cache(
    config_path: &Path,
    name: Option<&str>,
) -> anyhow::Result<(Account, Store)> {
    let (_, account) = account(config_path, name)?;
    let store = open(&account, false).await?;
    Ok((account, store))
}

/// Opens the account's cache. With `create_key`, an encrypted cache gets a new key in the
/// keyring when it has none yet (first sync); reads never create one.
pub async fn open(account: &Account, create_key: bool) -> anyhow::Result<Store> {
    let access = CacheAccess::of(account, &Keyring::default(), create_key).await?;
    Ok(access.open()?)
}
