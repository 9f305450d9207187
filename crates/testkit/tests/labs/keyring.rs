//! The keyring lab is a real Secret Service: the `keyring` crate stores, reads and deletes
//! through it, and `secret-tool` (libsecret) sees the same item on the lab's bus.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use keyring::Entry;
use mailcall_testkit::keyring::KeyringLab;
use mailcall_testkit::process::is_alive;

/// The secret `secret-tool lookup` finds on the lab's bus.
fn lookup(lab: &KeyringLab, attributes: &[&str]) -> Result<String> {
    let mut command = Command::new("secret-tool");
    command.arg("lookup").args(attributes);
    let found = lab.configure(&mut command).output()?;
    ensure!(
        found.status.success(),
        "secret-tool lookup: {}",
        String::from_utf8_lossy(&found.stderr)
    );
    Ok(String::from_utf8_lossy(&found.stdout).into_owned())
}

#[test]
fn secret_round_trip_through_secret_service() -> Result<()> {
    let lab = KeyringLab::shared()?;
    // Unique per process, so reruns against a leftover keyring cannot pass by accident.
    let user = format!("alice-{}@example.org", std::process::id());
    let entry = Entry::new("mailcall-lab-test", &user)?;
    entry.set_password("correct horse battery staple")?;
    assert_eq!(entry.get_password()?, "correct horse battery staple");

    // A second client on the same bus finds the item: it lives in the daemon, not in memory.
    let attributes = ["service", "mailcall-lab-test", "username", &user];
    assert_eq!(lookup(lab, &attributes)?, "correct horse battery staple");

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

// As on a desktop, a Secret Service that died is started again by the bus on the next
// call, unlocked, with the items stored before. A lab of its own: killing the shared one
// would fail the other tests' calls in flight.
#[test]
fn a_dead_secret_service_is_started_again_with_its_items() -> Result<()> {
    let lab = KeyringLab::start()?;
    let attributes = ["service", "mailcall-lab-restart", "username", "bob"];
    let mut store = Command::new("secret-tool");
    store.args(["store", "--label", "restart"]).args(attributes);
    let stored = lab
        .configure(&mut store)
        .stdin(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(b"kept across a crash")?;
            child.wait()
        })?;
    ensure!(stored.success(), "secret-tool store failed");
    let first = lab.secret_service_pid()?;
    let killed = Command::new("kill")
        .args(["-ABRT", &first.to_string()])
        .status()?;
    ensure!(killed.success(), "kill -ABRT {first}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while is_alive(first) {
        ensure!(Instant::now() < deadline, "{first} survived SIGABRT");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(lookup(&lab, &attributes)?, "kept across a crash");
    let second = lab.secret_service_pid()?;
    ensure!(second != first, "still served by {first}");
    Ok(())
}
