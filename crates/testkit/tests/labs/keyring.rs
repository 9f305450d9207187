//! The keyring lab is a real Secret Service: the `keyring` crate stores, reads and deletes
//! through it, and `secret-tool` (libsecret) sees the same item on the lab's bus.

use std::process::Command;

use anyhow::{ensure, Result};
use keyring::Entry;
use mailcall_testkit::keyring::KeyringLab;

#[test]
fn secret_round_trip_through_secret_service() -> Result<()> {
    let lab = KeyringLab::shared()?;
    // Unique per process, so reruns against a leftover keyring cannot pass by accident.
    let user = format!("alice-{}@example.org", std::process::id());
    let entry = Entry::new("mailcall-lab-test", &user)?;
    entry.set_password("correct horse battery staple")?;
    assert_eq!(entry.get_password()?, "correct horse battery staple");

    // A second client on the same bus finds the item: it lives in the daemon, not in memory.
    let mut lookup = Command::new("secret-tool");
    lookup.args(["lookup", "service", "mailcall-lab-test", "username", &user]);
    let found = lab.configure(&mut lookup).output()?;
    ensure!(
        found.status.success(),
        "secret-tool: {}",
        String::from_utf8_lossy(&found.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&found.stdout),
        "correct horse battery staple"
    );

    entry.delete_credential()?;
    let after = entry.get_password();
    ensure!(
        matches!(after, Err(keyring::Error::NoEntry)),
        "after delete: {after:?}"
    );
    Ok(())
}

#[test]
fn shared_lab_is_one_instance() -> Result<()> {
    let first = KeyringLab::shared()?;
    let second = KeyringLab::shared()?;
    ensure!(
        std::ptr::eq(first, second),
        "two keyring labs in one process"
    );
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS")?;
    assert_eq!(address, first.bus_address());
    Ok(())
}
