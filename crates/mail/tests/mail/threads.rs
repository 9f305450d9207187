//! Threads, a folder's conversations and "waiting for my reply" against the manifest.

use std::collections::{BTreeMap, BTreeSet};

use mailcall_mail::Period;
use mailcall_testkit::fixture::Folder;

use super::ingest::{with_store, ME};

#[test]
fn threads_match_manifest_membership() {
    with_store(|store, manifest| {
        let members = &manifest.threads.members;
        assert!(members.complete() && !members.items.is_empty());
        for t in &members.items {
            let thread = store
                .thread_of(&t.id)
                .expect("lookup")
                .expect("thread known");
            let got: BTreeSet<String> = store
                .thread_members(thread)
                .expect("members")
                .into_iter()
                .map(|m| m.message_id)
                .collect();
            let want: BTreeSet<String> = t.message_ids.iter().cloned().collect();
            assert_eq!(got, want, "thread {}", t.id);
        }
    });
}

#[test]
fn waiting_for_reply_matches_manifest() {
    with_store(|store, manifest| {
        let p = Period::between(manifest.period.start, manifest.period.end + 1);
        let got: BTreeSet<String> = store
            .waiting_for_reply(&[ME], p, 100_000)
            .expect("unanswered")
            .into_iter()
            .map(|m| m.message_id)
            .collect();
        assert!(manifest.unanswered.complete());
        let want: BTreeSet<String> = manifest
            .unanswered
            .items
            .iter()
            .map(|u| u.last.clone())
            .collect();
        assert_eq!(got, want);
    });
}

/// What the fixture and its manifest say about one conversation in one folder.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    messages: u32,
    unread: u32,
    flagged: u32,
    newest: i64,
}

#[test]
fn a_folder_lists_each_conversation_once_by_its_newest_message() {
    // The manifest's threads group Message-IDs; a message outside them is a conversation
    // of its own, and copies of one Message-ID (a fixture defect) are one message to
    // the threader, so the Message-ID is the key where no thread names it.
    let (fixture_threads, fixture) =
        with_store(|_, m| (m.threads.members.clone(), super::ingest::shared_fixture()));
    assert!(fixture_threads.complete());
    let mut key_of: BTreeMap<String, String> = BTreeMap::new();
    for t in &fixture_threads.items {
        for id in &t.message_ids {
            key_of.insert(id.clone(), t.id.clone());
        }
    }
    let mut want: BTreeMap<&'static str, BTreeMap<String, Expected>> = BTreeMap::new();
    let mut without_id: BTreeMap<&'static str, u32> = BTreeMap::new();
    for msg in fixture.iter() {
        let Some(id) = &msg.message_id else {
            *without_id.entry(msg.folder.name()).or_default() += 1;
            continue;
        };
        let key = key_of.get(id).unwrap_or(id).clone();
        let e = want
            .entry(msg.folder.name())
            .or_default()
            .entry(key)
            .or_default();
        e.messages += 1;
        e.unread += u32::from(!msg.flags.seen);
        e.flagged += u32::from(msg.flags.flagged);
        e.newest = e.newest.max(msg.date);
    }

    with_store(|store, _| {
        for folder in Folder::ALL.map(Folder::name) {
            let mailbox = store.mailbox_id(folder).expect("lookup").expect("folder");
            let heads = store.thread_heads(mailbox).expect("heads");
            let expected = want.remove(folder).unwrap_or_default();
            let loose = without_id.get(folder).copied().unwrap_or(0);
            assert_eq!(
                heads.len(),
                expected.len() + loose as usize,
                "conversations in {folder}"
            );
            let ids: Vec<_> = heads.iter().map(|h| h.head).collect();
            let rows = store.summaries(&ids).expect("rows");
            assert_eq!(rows.len(), heads.len());
            let threads: BTreeSet<_> = heads.iter().map(|h| h.thread).collect();
            assert_eq!(
                threads.len(),
                heads.len(),
                "a thread listed twice in {folder}"
            );
            assert!(
                rows.windows(2).all(|w| w[0].date >= w[1].date),
                "{folder} is not newest first"
            );
            let mut seen_keys = BTreeSet::new();
            let mut synthetic = 0;
            for (head, row) in heads.iter().zip(&rows) {
                assert_eq!((row.id, row.thread), (head.head, head.thread));
                let key = key_of.get(&row.message_id).unwrap_or(&row.message_id);
                let Some(e) = expected.get(key) else {
                    // A message without a Message-ID gets one made up by the parser.
                    synthetic += 1;
                    assert_eq!(head.tally.messages, 1, "{row:?}");
                    continue;
                };
                assert!(seen_keys.insert(key.clone()), "{key} twice in {folder}");
                let got = Expected {
                    messages: head.tally.messages,
                    unread: head.tally.unread,
                    flagged: head.tally.flagged,
                    newest: row.date,
                };
                assert_eq!(&got, e, "conversation {key} in {folder}");
            }
            assert_eq!(
                synthetic, loose,
                "messages without a Message-ID in {folder}"
            );

            // The tallies read per page agree with the walk.
            let page: Vec<_> = heads.iter().take(50).map(|h| h.thread).collect();
            let tallies = store.thread_tallies(mailbox, &page).expect("tallies");
            for h in heads.iter().take(50) {
                assert_eq!(tallies.get(&h.thread), Some(&h.tally));
            }
        }
        let multi = store
            .thread_heads(store.mailbox_id("INBOX").expect("lookup").expect("INBOX"))
            .expect("heads")
            .iter()
            .filter(|h| h.tally.messages > 1)
            .count();
        assert!(multi > 0, "no conversation of several messages in INBOX");
    });
}
