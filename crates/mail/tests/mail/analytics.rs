//! Sender analytics against the manifest.

use mailcall_mail::{AutomationShare, Period, SenderKey};

use super::ingest::{with_store, ME};

#[test]
fn analytics_match_manifest() {
    with_store(|store, manifest| {
        let all = Period::default();
        let top = store
            .top_senders(SenderKey::Address, &[ME], all, 20)
            .expect("top");
        let got: Vec<(String, u64)> = top.into_iter().map(|c| (c.key, c.count)).collect();
        let want: Vec<(String, u64)> = manifest
            .top_senders
            .iter()
            .map(|c| (c.key.clone(), c.count))
            .collect();
        assert_eq!(got, want);

        let top = store
            .top_senders(SenderKey::Domain, &[ME], all, 20)
            .expect("domains");
        let got: Vec<(String, u64)> = top.into_iter().map(|c| (c.key, c.count)).collect();
        let want: Vec<(String, u64)> = manifest
            .top_domains
            .iter()
            .map(|c| (c.key.clone(), c.count))
            .collect();
        assert_eq!(got, want);

        let share = store.automation_share(all).expect("share");
        assert_eq!(
            share,
            AutomationShare {
                automated: manifest.automated,
                human: manifest.human
            }
        );

        let mut never: Vec<String> = store
            .never_opened(&[ME], all, 1)
            .expect("never")
            .into_iter()
            .map(|c| c.key)
            .collect();
        never.sort();
        assert_eq!(never, manifest.never_opened);
    });
}

#[test]
fn analytics_respect_the_period() {
    with_store(|store, manifest| {
        let empty = Period::between(0, 1);
        assert!(store
            .top_senders(SenderKey::Address, &[ME], empty, 5)
            .expect("top")
            .is_empty());
        let share = store
            .automation_share(Period::between(
                manifest.period.start,
                manifest.period.end + 1,
            ))
            .expect("share");
        assert_eq!(share.automated + share.human, manifest.messages);
    });
}
