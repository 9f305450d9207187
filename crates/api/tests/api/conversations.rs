//! A folder as conversations: the count the manifest implies, every conversation once
//! across pages, actions on whole conversations, and a thread that gets a newer message
//! moving to the top.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use mailcall_api::{Action, Selection, ThreadRow};
use mailcall_testkit::fixture::{Fixture, Manifest};

use crate::lab::{synced, USER};

/// Conversations in `folder` by the manifest's thread membership: a message outside
/// every listed thread is one of its own, and copies of one Message-ID (a fixture
/// defect) are one message to the threader.
fn conversations_in(seed: u64, n: u64, manifest: &Manifest, folder: &str) -> usize {
    assert!(manifest.threads.members.complete());
    let mut key_of: BTreeMap<&str, &str> = BTreeMap::new();
    for t in &manifest.threads.members.items {
        for id in &t.message_ids {
            key_of.insert(id, &t.id);
        }
    }
    let mut keys = BTreeSet::new();
    let mut without_id = 0;
    for msg in Fixture::new(seed).messages(n).iter() {
        if msg.folder.name() != folder {
            continue;
        }
        match &msg.message_id {
            Some(id) => {
                keys.insert(
                    key_of
                        .get(id.as_str())
                        .map_or(id.clone(), |k| k.to_string()),
                );
            }
            None => without_id += 1,
        }
    }
    keys.len() + without_id
}

async fn all_rows(api: &mailcall_api::Api, folder: &str, page: u32) -> (u32, Vec<ThreadRow>) {
    let mut rows = Vec::new();
    loop {
        let got = api
            .list_threads(
                "lab",
                folder.into(),
                u32::try_from(rows.len()).expect("fits"),
                page,
            )
            .await
            .expect("list threads");
        assert_eq!(got.offset as usize, rows.len());
        let done = got.rows.len() < page as usize;
        rows.extend(got.rows);
        if done {
            return (got.total, rows);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_lists_each_conversation_once_newest_first() {
    let (seed, n) = (36, 1_500);
    let s = synced("threads", seed, n).await;
    let inbox = &s.manifest.by_folder["INBOX"];
    let want = conversations_in(seed, n, &s.manifest, "INBOX");
    assert!(
        want < inbox.total as usize,
        "no conversation of several messages in INBOX"
    );

    let (total, rows) = all_rows(&s.api, "INBOX", 97).await;
    assert_eq!((total as usize, rows.len()), (want, want));
    let heads: BTreeSet<&str> = rows.iter().map(|r| r.head.id.as_str()).collect();
    let threads: BTreeSet<&str> = rows.iter().map(|r| r.head.thread_id.as_str()).collect();
    assert_eq!((heads.len(), threads.len()), (want, want), "a row twice");
    assert!(
        rows.windows(2).all(|w| w[0].head.date >= w[1].head.date),
        "not newest first"
    );
    let messages: u64 = rows.iter().map(|r| u64::from(r.messages)).sum();
    let unread: u64 = rows.iter().map(|r| u64::from(r.unread)).sum();
    let flagged: u64 = rows.iter().map(|r| u64::from(r.flagged)).sum();
    assert_eq!(
        (messages, unread, flagged),
        (inbox.total, inbox.unseen, inbox.flagged)
    );
    assert!(rows.iter().all(|r| r.head.folder == "INBOX"));

    // The head is the conversation's newest message in the folder.
    let multi = rows
        .iter()
        .find(|r| r.messages > 1 && r.unread > 0)
        .expect("an unread conversation of several messages");
    let members = s
        .api
        .thread("lab", multi.head.id.clone())
        .await
        .expect("thread");
    let here: Vec<_> = members.iter().filter(|m| m.folder == "INBOX").collect();
    assert_eq!(here.len() as u32, multi.messages);
    let newest = here.iter().map(|m| m.date).fold(f64::MIN, f64::max);
    assert_eq!(multi.head.date, newest);

    // Marking the conversation read reads every message of it in the folder.
    let done = s
        .api
        .act(
            "lab",
            Action::MarkRead,
            Selection::Conversations {
                folder: "INBOX".into(),
                ids: vec![multi.head.id.clone()],
            },
        )
        .await
        .expect("mark read");
    assert_eq!(done.changed, multi.unread);
    let (_, after) = all_rows(&s.api, "INBOX", 500).await;
    let again = after
        .iter()
        .find(|r| r.head.thread_id == multi.head.thread_id)
        .expect("still listed");
    assert_eq!((again.unread, again.messages), (0, multi.messages));

    // Past the end: an empty page with the total.
    let past = s
        .api
        .list_threads("lab", "INBOX".into(), total + 5, 10)
        .await
        .expect("past the end");
    assert_eq!((past.total, past.rows.len()), (total, 0));
    let missing = s
        .api
        .list_threads("lab", "Nowhere".into(), 0, 10)
        .await
        .expect_err("no folder");
    assert_eq!(missing.kind(), "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_with_a_new_message_moves_to_the_top() {
    let s = synced("threadtop", 37, 400).await;
    let first = s
        .api
        .list_threads("lab", "INBOX".into(), 0, 10)
        .await
        .expect("first page");
    let total = first.total;
    let oldest = s
        .api
        .list_threads("lab", "INBOX".into(), total - 1, 1)
        .await
        .expect("last page")
        .rows
        .remove(0);
    assert_ne!(first.rows[0].head.thread_id, oldest.head.thread_id);
    let original = s
        .api
        .open_message("lab", oldest.head.id.clone(), false)
        .await
        .expect("open the oldest");

    // A reply arrives on the server, later than everything else in the folder.
    let date = jiff::Timestamp::from_second(s.manifest.period.end + 3_600)
        .expect("a date")
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string();
    let reply = format!(
        "From: Late Replier <late@example.org>\r\nTo: someone@example.org\r\n\
         Subject: Re: {}\r\nDate: {date}\r\nMessage-ID: <late-reply@example.org>\r\n\
         In-Reply-To: <{id}>\r\nReferences: <{id}>\r\n\r\nA late reply.\r\n",
        original.row.subject,
        id = original.message_id
    );
    s.lab
        .append_maildir(USER, "INBOX", reply.as_bytes(), &[])
        .expect("deliver");

    // IDLE on INBOX brings it; the kept walk of INBOX is dropped by the sync. Dovecot sees a
    // file put in the Maildir when it next looks, which took over a minute once on a loaded
    // machine: after 10 s the test asks for a sync as a user would, since what is tested
    // here is the order of conversations, not IDLE (the service's own tests cover that).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut asked = false;
    loop {
        let page = s
            .api
            .list_threads("lab", "INBOX".into(), 0, 10)
            .await
            .expect("first page");
        let top = &page.rows[0];
        if top.head.thread_id == oldest.head.thread_id {
            assert_eq!(top.messages, oldest.messages + 1);
            assert_eq!(
                (top.unread, top.head.from_addr.as_str()),
                (1, "late@example.org")
            );
            assert_eq!(page.total, total, "the reply joined a conversation");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the conversation did not move to the top: {:?}",
            page.rows.first()
        );
        if !asked && tokio::time::Instant::now() + Duration::from_secs(50) > deadline {
            asked = true;
            s.api.sync_now("lab").await.expect("sync now");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
