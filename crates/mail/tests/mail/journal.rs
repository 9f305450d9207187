//! The offline journal against the real Dovecot lab: changes made while the server is
//! down show in the cache at once and reach the server after it comes back and the
//! journal is replayed; a move of a message deleted meanwhile is dropped and reported.

use mailcall_mail::{
    replay, sync_account, ChangeKind, Connection, EntryState, MessageSummary, ReplayOutcome, Store,
    SyncEvent, UidSet,
};
use tokio_util::sync::CancellationToken;

use crate::remote::{options, password, synced_lab};
use crate::sort::server_message_ids;

fn inbox(store: &Store) -> Vec<MessageSummary> {
    let id = store.mailbox_id("INBOX").expect("read").expect("INBOX");
    store.list_messages(id, 0, 1000).expect("list").items
}

#[tokio::test]
async fn offline_changes_reach_the_server_after_restart_and_replay() {
    let (mut kept, acct, mut store) = synced_lab(51, 60).await;
    let cancel = CancellationToken::new();
    let msgs: Vec<MessageSummary> = inbox(&store)
        .into_iter()
        .filter(|m| !m.flags.flagged && !m.message_id.ends_with(".invalid"))
        .take(4)
        .collect();
    assert_eq!(msgs.len(), 4);
    let (a, b, c, d) = (&msgs[0], &msgs[1], &msgs[2], &msgs[3]);

    kept.lab.stop().expect("stop");
    assert!(Connection::open(&acct, &password()).await.is_err());
    let moved_a = store.journal_move(a.id, "Later", 1).expect("move a");
    store
        .journal_flags(b.id, &["flagged".to_owned()], &[], 2)
        .expect("flag b");
    let moved_c = store.journal_move(c.id, "Later", 3).expect("move c");
    // Moved twice while offline: the second move names the provisional UID of the first.
    store.journal_move(d.id, "Later", 4).expect("move d");
    store
        .journal_move(d.id, "Later.Deeper", 5)
        .expect("move d again");

    // The cache shows every change at once.
    let later = store
        .mailbox_id("Later")
        .expect("read")
        .expect("Later cached");
    let in_later: Vec<String> = store
        .list_messages(later, 0, 100)
        .expect("list")
        .items
        .into_iter()
        .map(|m| m.message_id)
        .collect();
    assert!(in_later.contains(&a.message_id) && in_later.contains(&c.message_id));
    assert!(inbox(&store).iter().all(|m| m.id != a.id && m.id != c.id));
    let b_now = store.message(b.id).expect("read").expect("b");
    assert!(b_now.summary.flags.flagged);
    assert_eq!(store.pending_changes().expect("pending").len(), 5);

    kept.lab.restart().expect("restart");
    // Meanwhile another client deletes c on the server.
    let mut other = Connection::open(&acct, &password()).await.expect("session");
    other
        .select("INBOX", &Default::default())
        .await
        .expect("select");
    other
        .delete_uids(&UidSet::from_uids([c.uid]))
        .await
        .expect("delete c");

    let mut conn = Connection::open(&acct, &password()).await.expect("connect");
    let report = replay(&mut conn, &mut store, &cancel)
        .await
        .expect("replay");
    assert_eq!((report.applied, report.dropped), (4, 1), "{report:?}");
    let dropped = report
        .notes
        .iter()
        .find(|n| matches!(n.outcome, ReplayOutcome::Dropped { .. }))
        .expect("a dropped note");
    assert_eq!(dropped.id, moved_c.id);
    assert_eq!(dropped.kind, ChangeKind::Move);
    assert_eq!(
        store.journal_entry(moved_c.id).expect("row").state,
        EntryState::Dropped
    );

    // On the server: a and d moved, b flagged, c gone.
    let later_ids = server_message_ids(&mut other, "Later").await;
    assert_eq!(later_ids, vec![a.message_id.clone()]);
    assert_eq!(
        server_message_ids(&mut other, "Later.Deeper").await,
        vec![d.message_id.clone()]
    );
    let inbox_ids = server_message_ids(&mut other, "INBOX").await;
    for m in [a, c, d] {
        assert!(!inbox_ids.contains(&m.message_id));
    }
    other
        .select("INBOX", &Default::default())
        .await
        .expect("select");
    let flags = other
        .fetch_flags(&b.uid.get().to_string(), None)
        .await
        .expect("flags");
    assert!(flags[0].flags.as_ref().expect("flags").flagged);

    // The cache has the server's UID for a, and no trace of c.
    let a_row = store.message(a.id).expect("read").expect("a");
    let a_entry = store.journal_entry(moved_a.id).expect("row");
    assert_eq!(a_entry.state, EntryState::Done);
    assert_eq!(Some(a_row.summary.uid), a_entry.new_uid);
    assert!(store.message(c.id).expect("read").is_none());

    // Nothing is applied twice.
    let again = replay(&mut conn, &mut store, &cancel)
        .await
        .expect("replay again");
    assert_eq!((again.applied, again.dropped), (0, 0));
    assert_eq!(server_message_ids(&mut other, "Later").await.len(), 1);
}

/// A sync that ran before the pending moves were replayed brought the moved mail back into
/// INBOX: the sync now replays the journal first.
#[tokio::test]
async fn sync_sends_pending_offline_moves_before_fetching() {
    let (mut kept, acct, mut store) = synced_lab(52, 30).await;
    let cancel = CancellationToken::new();
    let moved = inbox(&store)
        .into_iter()
        .find(|m| !m.message_id.ends_with(".invalid"))
        .expect("a message");
    kept.lab.stop().expect("stop");
    store
        .journal_move(moved.id, "Later", 1)
        .expect("offline move");
    kept.lab.restart().expect("restart");

    let mut events = Vec::new();
    sync_account(
        &acct,
        &password(),
        &mut store,
        &options(500),
        &mut |e| events.push(e),
        &cancel,
    )
    .await
    .expect("second sync");
    assert!(store.pending_changes().expect("pending").is_empty());
    assert!(inbox(&store)
        .iter()
        .all(|m| m.message_id != moved.message_id));
    assert!(events
        .iter()
        .any(|e| matches!(e, SyncEvent::Replayed { applied: 1, .. })));
    let mut conn = Connection::open(&acct, &password()).await.expect("session");
    assert_eq!(
        server_message_ids(&mut conn, "Later").await,
        vec![moved.message_id.clone()]
    );
    assert!(!server_message_ids(&mut conn, "INBOX")
        .await
        .contains(&moved.message_id));
}
