//! Credentials: account passwords and cache keys in the OS keyring (Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows) through the `keyring` crate.
//!
//! Invariants:
//! - Secrets exist only in the keyring and in [`Password`] values, whose `Debug` is
//!   redacted; nothing here logs or formats one into an error.
//! - The `keyring` calls block, and on Linux they drive zbus on a runtime of their own,
//!   which panics inside a tokio runtime: every call runs on `spawn_blocking`.
//! - A call the Secret Service drops (`PlatformFailure`: gnome-keyring aborts on some races
//!   between clients, and the session bus starts it again on the next call) is tried again
//!   twice. Every call is a whole get, set or delete, so trying again is safe.
//! - Entries are `(service, "<account>/password")` and `(service, "<account>/cache-key")`;
//!   [`Keyring::delete_account`] removes both and treats "already gone" as done.

use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use keyring::Entry;

use crate::error::{Error, Result};
use crate::store::CacheKey;

/// The pauses before each new try of a call the Secret Service dropped: 200 ms, then 1 s.
const RETRY_AFTER: ExponentialBuilder = ExponentialBuilder::new()
    .with_min_delay(Duration::from_millis(200))
    .with_factor(5.0)
    .with_max_times(2);

/// The keyring service name used by the app and the CLI.
pub const SERVICE: &str = "mailcall";

/// A password held in memory; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(secret: impl Into<String>) -> Password {
        Password(secret.into())
    }

    /// The secret itself, for the LOGIN command and the keyring only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// What a keyring entry holds.
#[derive(Clone, Copy, Debug)]
enum Item {
    Password,
    CacheKey,
}

impl Item {
    fn suffix(self) -> &'static str {
        match self {
            Item::Password => "password",
            Item::CacheKey => "cache-key",
        }
    }
}

/// The keyring entries of one service name (tests use their own service name).
#[derive(Clone, Debug)]
pub struct Keyring {
    service: String,
}

impl Default for Keyring {
    fn default() -> Keyring {
        Keyring::new(SERVICE)
    }
}

/// Drops the bytes a `BadEncoding` error carries: they are the stored secret.
fn scrub(e: keyring::Error) -> keyring::Error {
    match e {
        keyring::Error::BadEncoding(_) => keyring::Error::BadEncoding(Vec::new()),
        other => other,
    }
}

impl Keyring {
    pub fn new(service: &str) -> Keyring {
        Keyring {
            service: service.to_owned(),
        }
    }

    /// Runs one blocking keyring call off the async runtime, again after a pause when the
    /// Secret Service dropped it (see the module doc).
    async fn call<T, F>(&self, action: &'static str, account: &str, item: Item, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Entry) -> keyring::Result<T> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        // Only a call the Secret Service dropped is an `Err` here, so only it is tried again.
        let attempt = || async {
            match self.call_once(account, item, Arc::clone(&f)).await {
                Ok(Err(keyring::Error::PlatformFailure(e))) => {
                    Err(keyring::Error::PlatformFailure(e))
                }
                Ok(result) => Ok(result),
                // A panic in the call is reported, not tried again.
                Err(join) => Ok(Err(keyring::Error::PlatformFailure(Box::new(
                    std::io::Error::other(join.to_string()),
                )))),
            }
        };
        let result = attempt
            .retry(RETRY_AFTER)
            .notify(|e, _| tracing::debug!(action, error = %e, "the keyring dropped a call; trying again"))
            .await
            .and_then(|result| result);
        result.map_err(|e| Error::Keyring {
            action,
            account: account.to_owned(),
            source: scrub(e),
        })
    }

    async fn call_once<T, F>(
        &self,
        account: &str,
        item: Item,
        f: Arc<F>,
    ) -> std::result::Result<keyring::Result<T>, tokio::task::JoinError>
    where
        T: Send + 'static,
        F: Fn(&Entry) -> keyring::Result<T> + Send + Sync + 'static,
    {
        let service = self.service.clone();
        let user = format!("{account}/{}", item.suffix());
        tokio::task::spawn_blocking(move || Entry::new(&service, &user).and_then(|e| f(&e))).await
    }

    /// Stores (or replaces) the password of `account`.
    pub async fn set_password(&self, account: &str, password: &Password) -> Result<()> {
        let secret = password.0.clone();
        self.call("store the password", account, Item::Password, move |e| {
            e.set_password(&secret)
        })
        .await
    }

    /// The stored password; [`Error::NoPassword`] when there is none.
    pub async fn password(&self, account: &str) -> Result<Password> {
        match self
            .call("read the password", account, Item::Password, |e| {
                e.get_password()
            })
            .await
        {
            Ok(p) => Ok(Password(p)),
            Err(Error::Keyring {
                source: keyring::Error::NoEntry,
                ..
            }) => Err(Error::NoPassword(account.to_owned())),
            Err(e) => Err(e),
        }
    }

    /// True when a password is stored for `account`.
    pub async fn has_password(&self, account: &str) -> Result<bool> {
        match self.password(account).await {
            Ok(_) => Ok(true),
            Err(Error::NoPassword(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The cache key of `account`; with `create`, a new random key is made and stored
    /// when there is none yet.
    pub async fn cache_key(&self, account: &str, create: bool) -> Result<Option<CacheKey>> {
        let stored = self
            .call("read the cache key", account, Item::CacheKey, |e| {
                e.get_password()
            })
            .await;
        match stored {
            Ok(hex) => CacheKey::from_hex(&hex).map(Some),
            Err(Error::Keyring {
                source: keyring::Error::NoEntry,
                ..
            }) if create => {
                let key = CacheKey::generate()?;
                let hex = key.to_hex();
                self.call("store the cache key", account, Item::CacheKey, move |e| {
                    e.set_password(&hex)
                })
                .await?;
                Ok(Some(key))
            }
            Err(Error::Keyring {
                source: keyring::Error::NoEntry,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Logs in with `password` and stores it only when the server accepted it, so a
    /// mistyped password never reaches the keyring.
    pub async fn store_after_login(
        &self,
        account: &crate::account::Account,
        password: &Password,
    ) -> Result<()> {
        let conn = crate::imap::Connection::open(account, password).await?;
        conn.logout().await;
        self.set_password(&account.name, password).await
    }

    /// Deletes every secret of `account`; entries that do not exist are fine.
    pub async fn delete_account(&self, account: &str) -> Result<()> {
        for (item, action) in [
            (Item::Password, "delete the password"),
            (Item::CacheKey, "delete the cache key"),
        ] {
            match self
                .call(action, account, item, |e| e.delete_credential())
                .await
            {
                Ok(())
                | Err(Error::Keyring {
                    source: keyring::Error::NoEntry,
                    ..
                }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
