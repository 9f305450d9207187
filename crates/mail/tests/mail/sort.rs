//! Sort plans applied on the real Dovecot lab: the server ends up with exactly the planned
//! messages in the target (checked by Message-ID from a separate IMAP session), the dry
//! run changes nothing there, and a stale plan moves what still exists.

use std::collections::BTreeSet;

use mailcall_mail::{
    apply_sort_plan, parse_headers, plan_sort, ApplyOptions, ApplyReport, Connection, Error, Rule,
    RuleSet, SortPlan, Store, UidSet,
};
use tokio_util::sync::CancellationToken;

use crate::remote::{self, options, password, synced_lab};

const NOW: i64 = 1_900_000_000;

/// Applies stored plan `plan_id` with nothing watching its progress or cancelling it.
async fn apply(
    conn: &mut Connection,
    store: &mut Store,
    plan_id: &str,
    opts: &ApplyOptions,
) -> mailcall_mail::Result<ApplyReport> {
    let cancel = CancellationToken::new();
    apply_sort_plan(conn, store, plan_id, opts, &mut |_| {}, &cancel).await
}

/// Message-IDs of every message in `folder`, as the server has them (duplicates kept).
pub async fn server_message_ids(conn: &mut Connection, folder: &str) -> Vec<String> {
    conn.select(folder, &Default::default())
        .await
        .expect("select");
    let uids = conn.all_uids().await.expect("uids");
    let mut ids: Vec<String> = conn
        .fetch_headers(&uids)
        .await
        .expect("headers")
        .iter()
        .filter_map(|f| f.header.as_deref().map(|h| parse_headers(h).message_id))
        .collect();
    ids.sort();
    ids
}

/// The busiest sender domain in INBOX, by the cache.
fn busy_domain(store: &Store) -> String {
    let page = store
        .search("folder:INBOX", Default::default(), 0, 10_000)
        .expect("inbox");
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for m in &page.items {
        *counts.entry(m.from.domain().to_owned()).or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|(d, _)| !d.is_empty())
        .max_by_key(|(_, n)| *n)
        .map(|(d, _)| d)
        .expect("a domain")
}

fn planned_ids(plan: &SortPlan) -> BTreeSet<String> {
    plan.items.iter().map(|i| i.message_id.clone()).collect()
}

#[tokio::test]
async fn apply_moves_exactly_the_planned_messages() {
    let (_kept, acct, mut store) = synced_lab(41, 300).await;
    let mut rule = Rule::to("Sorted.Shops");
    rule.from = vec![busy_domain(&store)];
    let rules = RuleSet { rules: vec![rule] };
    let mut check = Connection::open(&acct, &password()).await.expect("session");
    let inbox_before = server_message_ids(&mut check, "INBOX").await;

    let plan = plan_sort(&rules, &store, NOW).expect("plan");
    assert!(plan.total() >= 3, "too few planned: {}", plan.total());
    store.save_sort_plan(&plan).expect("save");
    // The dry run touched nothing on the server.
    assert_eq!(server_message_ids(&mut check, "INBOX").await, inbox_before);
    let folders = check.list_folders().await.expect("list");
    assert!(!folders.iter().any(|f| f.name == "Sorted.Shops"));

    let mut conn = Connection::open(&acct, &password()).await.expect("connect");
    let opts = ApplyOptions { chunk_size: 2 };
    let report = apply(&mut conn, &mut store, &plan.id, &opts)
        .await
        .expect("apply");
    assert_eq!(report.moved, plan.total());
    assert_eq!(report.missing, 0);
    assert_eq!(report.created_folders, ["Sorted.Shops"]);
    assert!(report.chunks >= 2);

    let wanted = planned_ids(&plan);
    let target = server_message_ids(&mut check, "Sorted.Shops").await;
    assert_eq!(target.len(), plan.total(), "each planned message once");
    assert_eq!(target.iter().cloned().collect::<BTreeSet<_>>(), wanted);
    let inbox = server_message_ids(&mut check, "INBOX").await;
    assert!(inbox.iter().all(|id| !wanted.contains(id)));
    assert_eq!(inbox.len() + plan.total(), inbox_before.len());

    // The cache followed, with the server's UIDs (COPYUID).
    let cached = store
        .search("folder:Sorted.Shops", Default::default(), 0, 10_000)
        .expect("cached target");
    assert_eq!(cached.items.len(), plan.total());
    check
        .select("Sorted.Shops", &Default::default())
        .await
        .expect("select");
    let server_uids = UidSet::from_uids(check.all_uids().await.expect("uids"));
    assert!(cached.items.iter().all(|m| server_uids.contains(m.uid)));

    // Applying again is a no-op.
    let again = apply(&mut conn, &mut store, &plan.id, &opts)
        .await
        .expect("apply again");
    assert_eq!(again.moved, plan.total());
    assert_eq!(
        server_message_ids(&mut check, "Sorted.Shops").await.len(),
        plan.total()
    );
}

#[tokio::test]
async fn stale_plan_moves_what_still_exists_and_reports_the_rest() {
    let (_kept, acct, mut store) = synced_lab(42, 200).await;
    let mut rule = Rule::to("Sorted");
    rule.from = vec![busy_domain(&store)];
    let plan = plan_sort(&RuleSet { rules: vec![rule] }, &store, NOW).expect("plan");
    assert!(plan.total() >= 2);
    store.save_sort_plan(&plan).expect("save");

    // Another client deletes one planned message before the plan is applied.
    let gone = &plan.items[0];
    let mut other = Connection::open(&acct, &password()).await.expect("session");
    other
        .select(&gone.source, &Default::default())
        .await
        .expect("select");
    other
        .delete_uids(&UidSet::from_uids([gone.uid]))
        .await
        .expect("delete");

    let mut conn = Connection::open(&acct, &password()).await.expect("connect");
    let report = apply(&mut conn, &mut store, &plan.id, &ApplyOptions::default())
        .await
        .expect("apply");
    assert_eq!(report.missing, 1);
    assert_eq!(report.moved, plan.total() - 1);
    let target = server_message_ids(&mut other, "Sorted").await;
    assert_eq!(target.len(), plan.total() - 1);
    assert!(!target.contains(&gone.message_id));
}

// A folder deleted and created again by another client gets a new UIDVALIDITY, and the
// plan's UIDs then name other messages: applying must refuse before moving anything, also
// after the cache has synced the new folder.
#[tokio::test]
async fn a_plan_for_a_folder_reset_on_the_server_is_refused() {
    let (kept, acct, mut store) = synced_lab(43, 150).await;
    let (lab, manifest) = (&kept.lab, &kept.manifest);
    assert!(manifest
        .by_folder
        .get("Archive")
        .is_some_and(|c| c.total >= 2));
    let rule = Rule {
        folders: vec!["Archive".to_owned()],
        older_than_days: Some(1),
        ..Rule::to("Sorted")
    };
    let plan = plan_sort(&RuleSet { rules: vec![rule] }, &store, NOW).expect("plan");
    assert!(plan.total() >= 2, "{}", plan.total());
    store.save_sort_plan(&plan).expect("save");

    remote::recreate_with_one_message(lab, "Archive").await;

    let mut conn = Connection::open(&acct, &password()).await.expect("connect");
    for attempt in ["before a resync", "after a resync"] {
        let err = apply(&mut conn, &mut store, &plan.id, &ApplyOptions::default())
            .await
            .expect_err(attempt);
        assert!(
            matches!(&err, Error::StalePlan { folder, .. } if folder == "Archive"),
            "{attempt}: {err}"
        );
        let archive = server_message_ids(&mut conn, "Archive").await;
        assert_eq!(archive.len(), 1, "{attempt}: the new Archive is untouched");
        let created = conn.select("Sorted", &Default::default()).await;
        assert!(created.is_err(), "{attempt}: no target folder was created");
        remote::sync(&acct, &mut store, &options(500), &mut |_| {})
            .await
            .expect("resync");
    }
}
