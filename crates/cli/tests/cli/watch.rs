//! `sync --watch` of the built binary against the Dovecot lab: a message another client
//! adds to INBOX reaches the cache while it runs, and Ctrl-C (SIGINT) ends it cleanly.

use std::process::Command;
use std::time::{Duration, Instant};

use mailcall_mail::{Connection, Password};

use super::sort::{setup, spawn};
use super::{ok_json, PASSWORD};

const ADDED: &[u8] = b"From: Noor <noor@example.org>\r\nTo: alice@example.org\r\n\
Subject: quokkaspotting tomorrow\r\nMessage-ID: <watch-added@example.org>\r\n\
Date: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nAre you in?\r\n";

#[tokio::test]
async fn sync_watch_follows_inbox_until_interrupted() {
    let s = setup(71, 20, "watch");
    let mut child = spawn(&s.config, &["sync", "--watch"]);
    // Most likely idling by then (its sync has nothing new); the mail crate's service
    // tests check the IDLE path itself, this one the command around it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut other = Connection::open(&s.account, &Password::new(PASSWORD))
        .await
        .expect("another client");
    other
        .append_message("INBOX", &[], ADDED)
        .await
        .expect("append");
    other.logout().await;

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = ok_json(&s.config, &["search", "quokkaspotting"]);
        if found["items"].as_array().is_some_and(|a| a.len() == 1) {
            break;
        }
        assert!(
            child.try_wait().expect("status").is_none(),
            "sync --watch ended early"
        );
        assert!(
            Instant::now() < deadline,
            "the new message never reached the cache"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("status") {
            break status;
        }
        assert!(Instant::now() < deadline, "sync --watch ignored Ctrl-C");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
}
