//! Threads and "waiting for my reply" against the manifest.

use std::collections::BTreeSet;

use mailcall_mail::Period;

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
