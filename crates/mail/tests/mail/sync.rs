//! Sync against the real Dovecot lab: full then incremental (flags, expunges and new mail
//! from another client), UIDVALIDITY reset, bodies without touching `\Seen`, and a server
//! that goes away in the middle of a large sync.

use std::sync::mpsc;
use std::time::Duration;

use mailcall_mail::sync::Backoff;
use mailcall_mail::{MailboxRole, SearchOrder, Security, Store, SyncEvent};

use crate::remote::{
    self, account, fresh_cache, lab_with_fixture, options, other_client, recorder, run, sync,
    uid_search,
};

fn total(store: &Store, folder: &str) -> u64 {
    store
        .mailboxes()
        .expect("mailboxes")
        .into_iter()
        .find(|m| m.name == folder)
        .map_or(0, |m| m.total)
}

#[tokio::test]
async fn full_then_incremental_sync_follows_another_client() {
    let (lab, manifest) = lab_with_fixture(11, 300);
    let dir = tempfile::tempdir().expect("tempdir");
    let acct = account(&lab, dir.path(), Security::Starttls);
    let mut store = Store::open(acct.cache_file().expect("path"), None).expect("store");
    let (events, mut sink) = recorder();

    let report = sync(&acct, &mut store, &options(64), &mut sink)
        .await
        .expect("first sync");
    assert_eq!(report.inserted() as u64, manifest.messages);
    for (folder, counts) in &manifest.by_folder {
        assert_eq!(total(&store, folder), counts.total, "{folder}");
    }
    let boxes = store.mailboxes().expect("mailboxes");
    let role = |n: &str| boxes.iter().find(|m| m.name == n).and_then(|m| m.role);
    assert_eq!(role("INBOX"), Some(MailboxRole::Inbox));
    assert_eq!(role("Sent"), Some(MailboxRole::Sent));
    assert_eq!(role("Trash"), Some(MailboxRole::Trash));
    assert!(events.lock().expect("events").iter().any(
        |e| matches!(e, SyncEvent::Headers { done, total, .. } if done == total && *total > 0)
    ));

    // Another client: flag one message, expunge another, add a new one.
    let mut raw = other_client(&lab).await;
    raw.select("INBOX").await.expect("select");
    let uids = uid_search(&mut raw, "ALL").await;
    let (flag_uid, gone_uid) = (uids[0], uids[1]);
    run(
        &mut raw,
        &format!("UID STORE {flag_uid} +FLAGS (\\Flagged)"),
    )
    .await;
    run(
        &mut raw,
        &format!("UID STORE {gone_uid} +FLAGS (\\Deleted)"),
    )
    .await;
    run(&mut raw, &format!("UID EXPUNGE {gone_uid}")).await;
    raw.append("INBOX", Some("(\\Seen)"), None, remote::EXTRA)
        .await
        .expect("append");
    raw.logout().await.expect("logout");

    let inbox_before = total(&store, "INBOX");
    let report = sync(&acct, &mut store, &options(64), &mut sink)
        .await
        .expect("second sync");
    let inbox = report
        .folders
        .iter()
        .find(|f| f.folder == "INBOX")
        .expect("inbox report");
    assert_eq!((inbox.inserted, inbox.removed), (1, 1), "{inbox:?}");
    assert!(inbox.flags_updated >= 1, "{inbox:?}");
    assert_eq!(total(&store, "INBOX"), inbox_before);
    let inbox_id = store.mailbox_id("INBOX").expect("query").expect("inbox");
    let flagged = store
        .message_by_uid(inbox_id, mailcall_mail::Uid::new(flag_uid).expect("uid"))
        .expect("read")
        .expect("cached");
    assert!(flagged.summary.flags.flagged);
    assert!(store
        .message_by_uid(inbox_id, mailcall_mail::Uid::new(gone_uid).expect("uid"))
        .expect("read")
        .is_none());
    let found = store
        .search("zanzibarquux", SearchOrder::default(), 0, 10)
        .expect("search");
    assert_eq!(found.items.len(), 1);

    // Nothing changed since: the third sync writes nothing.
    let report = sync(&acct, &mut store, &options(64), &mut sink)
        .await
        .expect("third sync");
    for f in &report.folders {
        assert_eq!(
            (f.inserted, f.removed, f.flags_updated, f.fetched),
            (0, 0, 0, 0),
            "{f:?}"
        );
    }
}

#[tokio::test]
async fn uidvalidity_change_clears_and_refetches_the_folder() {
    let (lab, manifest) = lab_with_fixture(12, 120);
    let (_dir, acct, mut store) = fresh_cache(&lab);
    let (_, mut sink) = recorder();
    sync(&acct, &mut store, &options(500), &mut sink)
        .await
        .expect("first sync");
    assert_eq!(
        total(&store, "Archive"),
        manifest.by_folder.get("Archive").map_or(0, |c| c.total)
    );

    // Deleting and creating the mailbox again gives it a new UIDVALIDITY.
    remote::recreate_with_one_message(&lab, "Archive").await;

    let report = sync(&acct, &mut store, &options(500), &mut sink)
        .await
        .expect("resync");
    let archive = report
        .folders
        .iter()
        .find(|f| f.folder == "Archive")
        .expect("archive report");
    assert!(archive.cleared, "{archive:?}");
    assert_eq!(archive.inserted, 1);
    assert_eq!(total(&store, "Archive"), 1);
}

#[tokio::test]
async fn bodies_are_fetched_without_marking_mail_read() {
    let (lab, manifest) = lab_with_fixture(13, 150);
    let dir = tempfile::tempdir().expect("tempdir");
    let acct = account(&lab, dir.path(), Security::Tls);
    let mut raw = other_client(&lab).await;
    raw.select("INBOX").await.expect("select");
    let unseen_before = uid_search(&mut raw, "UNSEEN").await;
    assert!(!unseen_before.is_empty(), "the fixture has unread mail");

    let mut store = Store::open(acct.cache_file().expect("path"), None).expect("store");
    let opts = mailcall_mail::SyncOptions {
        bodies: true,
        body_batch: 40,
        ..options(100)
    };
    let (_, mut sink) = recorder();
    sync(&acct, &mut store, &opts, &mut sink)
        .await
        .expect("sync");
    let stats = store.stats().expect("stats");
    assert_eq!(stats.messages, manifest.messages);
    assert_eq!(stats.with_body, manifest.messages);

    raw.select("INBOX").await.expect("select again");
    assert_eq!(uid_search(&mut raw, "UNSEEN").await, unseen_before);
    raw.logout().await.expect("logout");
    // The needle is in a body: it is searchable now.
    let needle = manifest.needle.expect("fixture has a needle");
    let found = store
        .search(&needle.token, SearchOrder::default(), 0, 5)
        .expect("search");
    assert_eq!(found.items.len(), 1);
}

#[tokio::test]
async fn sync_resumes_after_the_server_stops_mid_way() {
    const N: u64 = 20_000;
    const BATCH: usize = 500;
    let (lab, manifest) = lab_with_fixture(14, N);
    let (_dir, acct, mut store) = fresh_cache(&lab);

    // Another thread owns the lab: told once progress passes a point, it stops the
    // server, leaves it down for a moment, and starts it again on the same ports.
    let (tx, rx) = mpsc::channel::<()>();
    let outage = std::thread::spawn(move || {
        let mut lab = lab;
        rx.recv().expect("signal");
        lab.stop().expect("stop");
        std::thread::sleep(Duration::from_millis(1500));
        lab.restart().expect("restart");
        lab
    });
    let mut signalled = false;
    let mut retries = 0;
    let mut sink = |e: SyncEvent| match e {
        SyncEvent::Headers { done, .. } if done >= 3 * BATCH && !signalled => {
            signalled = true;
            let _ = tx.send(());
        }
        SyncEvent::Retrying { .. } => retries += 1,
        _ => {}
    };
    let opts = mailcall_mail::SyncOptions {
        backoff: Backoff {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(2),
            attempts: 20,
        },
        ..options(BATCH)
    };
    let report = sync(&acct, &mut store, &opts, &mut sink)
        .await
        .expect("sync completes across the outage");
    let _lab = outage.join().expect("outage thread");
    assert!(
        retries >= 1 && report.connections >= 2,
        "{retries} retries, {} connections",
        report.connections
    );
    assert_eq!(store.stats().expect("stats").messages, manifest.messages);
    // Resumed, not restarted: at most the interrupted batch was fetched twice.
    let fetched = report.fetched() as u64;
    assert!(
        fetched <= N + 2 * BATCH as u64,
        "fetched {fetched} headers for {N} messages"
    );
}

#[tokio::test]
async fn a_new_folder_stores_its_newest_mail_first() {
    const BATCH: usize = 100;
    let (lab, manifest) = lab_with_fixture(15, 1_000);
    let (_dir, acct, mut store) = fresh_cache(&lab);
    let path = acct.cache_file().expect("path");
    // What a reader of the cache (the window) sees once INBOX's first batch is stored.
    let mut first: Option<Vec<u32>> = None;
    let mut sink = |e: SyncEvent| {
        let SyncEvent::Headers { folder, done, .. } = &e else {
            return;
        };
        if folder == "INBOX" && *done > 0 && first.is_none() {
            let reader = Store::open(&path, None).expect("a second connection");
            let inbox = reader.mailbox_id("INBOX").expect("read").expect("INBOX");
            let uids = reader.cached_uids(inbox).expect("uids");
            first = Some(uids.into_iter().map(|(u, ..)| u.get()).collect());
        }
    };
    sync(&acct, &mut store, &options(BATCH), &mut sink)
        .await
        .expect("sync");
    let mut raw = other_client(&lab).await;
    raw.select("INBOX").await.expect("select");
    let all = uid_search(&mut raw, "ALL").await;
    assert!(all.len() > BATCH, "INBOX holds more than a batch");
    let (older, newest) = all.split_at(all.len() - BATCH);
    let mut seen = first.expect("INBOX progress was reported");
    seen.sort_unstable();
    // The writer stores on its own thread and may have gone on by the time the first
    // report is read (on a busy machine it does): what a reader sees then is the newest
    // batch plus the oldest batches after it, never older mail without the newest.
    let (before, after) = seen.split_at(seen.len().saturating_sub(BATCH));
    assert_eq!(after, newest, "the newest batch is stored first");
    assert_eq!(
        before,
        &older[..before.len()],
        "older mail follows oldest first"
    );
    assert_eq!(total(&store, "INBOX"), manifest.by_folder["INBOX"].total);
    // UIDNEXT moved past everything: a second sync fetches nothing again.
    let again = sync(&acct, &mut store, &options(BATCH), &mut |_| {})
        .await
        .expect("second sync");
    assert_eq!(again.fetched(), 0, "nothing fetched twice");
}
