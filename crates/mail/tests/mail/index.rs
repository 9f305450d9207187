//! The full-text index built in bulk after a header sync: a sync interrupted between
//! storing rows and building their index leaves them listed, the next sync indexes them,
//! and bodies fetched later are searchable exactly once.

use mailcall_mail::{sync_account, Error, SyncEvent, SyncOptions};
use tokio_util::sync::CancellationToken;

use crate::remote::{fresh_cache, lab_with_fixture, options, other_client, password};

const ADDED: usize = 120;
const BATCH: usize = 20;

fn message(n: usize) -> Vec<u8> {
    format!(
        "From: Ida <ida@index.example>\r\nTo: me@corp.example\r\nSubject: wombatgrid {n}\r\n\
         Date: Wed, 2 Jul 2025 10:{:02}:{:02} +0000\r\nMessage-ID: <index-{n}@index.example>\r\n\
         \r\nThe quokkaline report, part {n}.\r\n",
        n / 60,
        n % 60
    )
    .into_bytes()
}

// Regression: rows stored by a sync that stopped before the index build must not stay
// unsearchable, and re-indexing a row for its body must not leave a second FTS row.
#[tokio::test]
async fn an_interrupted_sync_is_indexed_by_the_next_and_bodies_once() {
    let (lab, _) = lab_with_fixture(31, 20);
    let mut raw = other_client(&lab).await;
    for n in 0..ADDED {
        raw.append("INBOX", Some("(\\Seen)"), None, message(n))
            .await
            .expect("append");
    }
    raw.logout().await.expect("logout");
    let (_dir, acct, mut store) = fresh_cache(&lab);

    // Stop after a few INBOX batches are stored: before any index build.
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let mut sink = |e: SyncEvent| {
        if matches!(e, SyncEvent::Headers { done, .. } if done >= 3 * BATCH) {
            stop.cancel();
        }
    };
    // One batch per transaction, so some are committed before the cancel.
    let per_batch = SyncOptions {
        commit_rows: BATCH,
        ..options(BATCH)
    };
    let outcome = sync_account(
        &acct,
        &password(),
        &mut store,
        &per_batch,
        &mut sink,
        &cancel,
    )
    .await;
    assert!(
        matches!(outcome, Err(Error::Cancelled)),
        "expected a cancelled sync, got {outcome:?}"
    );
    let pending = store.pending_index().expect("pending");
    assert!(pending >= 3 * BATCH as u64, "{pending} rows pending");
    let stored = store.stats().expect("stats").messages;
    let found = store.count("wombatgrid").expect("count");
    assert!(found < stored, "{found} found of {stored} stored");

    let mut indexed = 0;
    let mut sink = |e: SyncEvent| {
        if let SyncEvent::Indexing { done, total, .. } = e {
            assert!(done <= total);
            indexed = done;
        }
    };
    sync_account(
        &acct,
        &password(),
        &mut store,
        &options(BATCH),
        &mut sink,
        &CancellationToken::new(),
    )
    .await
    .expect("second sync");
    assert!(indexed > 0);
    assert_eq!(store.pending_index().expect("pending"), 0);
    assert_eq!(store.count("wombatgrid").expect("count"), ADDED as u64);
    assert_eq!(store.count("quokkaline").expect("count"), 0);

    // Bodies: each message is re-indexed with its body, once.
    let opts = SyncOptions {
        bodies: true,
        ..options(BATCH)
    };
    sync_account(
        &acct,
        &password(),
        &mut store,
        &opts,
        &mut |_| {},
        &CancellationToken::new(),
    )
    .await
    .expect("body sync");
    assert_eq!(store.pending_index().expect("pending"), 0);
    assert_eq!(store.count("wombatgrid").expect("count"), ADDED as u64);
    assert_eq!(store.count("quokkaline").expect("count"), ADDED as u64);
    assert_eq!(
        store.count("quokkaline wombatgrid").expect("count"),
        ADDED as u64
    );
}
