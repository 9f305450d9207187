//! The running account service against the real Dovecot lab: the sync at start, IDLE
//! waking an INBOX sync, bodies fetched while a sort is being applied, a restarted
//! server, and a wrong password.

use std::time::Duration;

use mailcall_mail::sync::Backoff;
use mailcall_mail::{
    plan_sort, Account, ApplyOptions, CacheAccess, Error, Keyring, MailService, Password, Rule,
    RuleSet, SearchOrder, ServiceEvent, SortEvent, SyncEvent, SyncOptions, Task,
};
use mailcall_testkit::dovecot::DovecotLab;
use tokio::sync::broadcast::{error::RecvError, Receiver};
use tokio_util::sync::CancellationToken;

use crate::remote::{self, fresh_cache, lab_with_fixture, options, other_client, password};

async fn start(acct: &Account, password: Password, opts: SyncOptions) -> MailService {
    // Not encrypted: the keyring is not asked for a cache key.
    let cache = CacheAccess::of(acct, &Keyring::default(), false)
        .await
        .expect("cache access");
    MailService::start(acct.clone(), password, &cache, opts).expect("service starts")
}

/// Quick reconnects, and IDLE re-issued often enough for a test to see it.
fn quick() -> SyncOptions {
    SyncOptions {
        idle_period: Duration::from_millis(700),
        backoff: Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(500),
            attempts: 3,
        },
        ..options(100)
    }
}

/// Waits (bounded) for an event matching `want` and returns it.
async fn wait_for(
    events: &mut Receiver<ServiceEvent>,
    want: impl Fn(&ServiceEvent) -> bool,
) -> ServiceEvent {
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match events.recv().await {
                Ok(e) if want(&e) => return Some(e),
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return None,
            }
        }
    })
    .await;
    found.ok().flatten().expect("expected event did not come")
}

fn idle(e: &ServiceEvent) -> bool {
    matches!(e, ServiceEvent::Sync(SyncEvent::Idle { .. }))
}

/// The INBOX sync the watcher asked for found the one message another client added.
fn arrived(e: &ServiceEvent) -> bool {
    matches!(e, ServiceEvent::Sync(SyncEvent::FolderDone { report })
        if report.folder == "INBOX" && report.inserted == 1)
}

async fn add_to_inbox(lab: &DovecotLab) {
    let mut raw = other_client(lab).await;
    raw.append("INBOX", None, None, remote::EXTRA)
        .await
        .expect("append");
    raw.logout().await.expect("logout");
}

#[tokio::test]
async fn the_service_syncs_at_start_and_follows_inbox_through_idle() {
    let (lab, manifest) = lab_with_fixture(21, 60);
    let (_dir, acct, store) = fresh_cache(&lab);
    let service = start(&acct, password(), quick()).await;
    let mut events = service.events();

    // Jobs run in order, so this sync ends after the one the service started with.
    let again = service.sync().await.expect("sync");
    assert_eq!(again.inserted(), 0, "the sync at start stored everything");
    assert_eq!(store.stats().expect("stats").messages, manifest.messages);

    wait_for(&mut events, idle).await;
    // Let an IDLE run out and be issued again before the change.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    add_to_inbox(&lab).await;
    wait_for(&mut events, arrived).await;
    let found = store
        .search("zanzibarquux", SearchOrder::default(), 0, 5)
        .expect("search");
    assert_eq!(found.items.len(), 1);

    tokio::time::timeout(Duration::from_secs(10), service.stop())
        .await
        .expect("the service stops");
}

#[tokio::test]
async fn bodies_are_fetched_while_a_sort_is_applied() {
    let (lab, _) = lab_with_fixture(22, 300);
    let (_dir, acct, mut store) = fresh_cache(&lab);
    let service = start(&acct, password(), options(500)).await;
    service.sync().await.expect("first sync");

    // Every INBOX message, one `UID MOVE` each: a sort that takes a while.
    let rule = Rule {
        older_than_days: Some(0),
        ..Rule::to("Sorted")
    };
    let plan = plan_sort(&RuleSet { rules: vec![rule] }, &store, 1_900_000_000).expect("plan");
    assert!(plan.total() > 100, "planned {}", plan.total());
    store.save_sort_plan(&plan).expect("save plan");
    let sent = store
        .search("folder:Sent", SearchOrder::default(), 0, 3)
        .expect("search")
        .items;
    assert_eq!(sent.len(), 3);
    let uids: Vec<_> = sent.iter().map(|m| m.uid).collect();

    let mut events = service.events();
    let report = {
        let apply = service.apply_sort(
            &plan.id,
            ApplyOptions { chunk_size: 1 },
            CancellationToken::new(),
        );
        tokio::pin!(apply);
        let chunk_done =
            |e: &ServiceEvent| matches!(e, ServiceEvent::Sort(SortEvent::ChunkDone { .. }));
        tokio::select! {
            r = &mut apply => panic!("the sort ended before it was seen moving: {r:?}"),
            _ = wait_for(&mut events, chunk_done) => {}
        }
        // The reader's own connection answers while the queue is still moving mail.
        let fetched = tokio::select! {
            r = &mut apply => panic!("the body fetch waited for the sort: {r:?}"),
            n = service.fetch_bodies("Sent", &uids) => n.expect("bodies"),
        };
        assert_eq!(fetched, uids.len());
        for m in &sent {
            let detail = store.message(m.id).expect("read").expect("cached");
            assert!(detail.body_text.is_some_and(|t| !t.is_empty()));
        }
        apply.await.expect("sort applied")
    };
    assert_eq!(report.moved, plan.total());
    service.stop().await;
}

#[tokio::test]
async fn the_watcher_reconnects_after_the_server_restarts() {
    let (mut lab, _) = lab_with_fixture(23, 30);
    let (_dir, acct, store) = fresh_cache(&lab);
    let service = start(&acct, password(), quick()).await;
    let mut events = service.events();
    service.sync().await.expect("first sync");
    wait_for(&mut events, idle).await;

    lab.restart().expect("restart");
    wait_for(&mut events, |e| {
        matches!(e, ServiceEvent::Sync(SyncEvent::Retrying { .. }))
    })
    .await;
    wait_for(&mut events, idle).await;
    add_to_inbox(&lab).await;
    wait_for(&mut events, arrived).await;
    assert_eq!(
        store
            .search("zanzibarquux", SearchOrder::default(), 0, 5)
            .expect("search")
            .items
            .len(),
        1
    );
    service.stop().await;
}

#[tokio::test]
async fn a_wrong_password_is_reported_and_not_tried_again() {
    let (lab, _) = lab_with_fixture(24, 5);
    let (_dir, acct, _store) = fresh_cache(&lab);
    let service = start(&acct, Password::new("hunter2-not-it"), quick()).await;
    let mut events = service.events();

    let err = service.sync().await.expect_err("a wrong password fails");
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    let mut failed = Vec::new();
    while failed.len() < 2 {
        match wait_for(&mut events, |e| {
            matches!(
                e,
                ServiceEvent::Failed { .. } | ServiceEvent::Sync(SyncEvent::Retrying { .. })
            )
        })
        .await
        {
            ServiceEvent::Failed { task, error } => {
                assert!(!error.contains("hunter2"), "the password leaked: {error}");
                failed.push(task);
            }
            other => panic!("a wrong password was tried again: {other:?}"),
        }
    }
    failed.sort();
    assert_eq!(failed, [Task::Sync, Task::Watch]);
    service.stop().await;
}
