//! Sort plans applied on the real Dovecot lab: the server ends up with exactly the planned
//! messages in the target (checked by Message-ID from a separate IMAP session), the dry
//! run changes nothing there, and a stale plan moves what still exists.

use std::collections::BTreeSet;

use mailcall_mail::{
    apply_sort_plan, parse_headers, plan_sort, sync_account, ApplyOptions, Connection, Rule,
    RuleSet, Security, SortPlan, Store, UidSet,
};
use tokio_util::sync::CancellationToken;

use crate::remote::{account, lab_with_fixture, options, password};

const NOW: i64 = 1_900_000_000;

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
    let (lab, _) = lab_with_fixture(41, 300);
    let dir = tempfile::tempdir().expect("tempdir");
    let acct = account(&lab, dir.path(), Security::Tls);
    let mut store = Store::open(acct.cache_file().expect("path"), None).expect("store");
    let cancel = CancellationToken::new();
    sync_account(
        &acct,
        &password(),
        &mut store,
        &options(500),
        &mut |_| {},
        &cancel,
    )
    .await
    .expect("sync");
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
    let report = apply_sort_plan(&mut conn, &mut store, &plan.id, &opts, &mut |_| {}, &cancel)
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
    let again = apply_sort_plan(&mut conn, &mut store, &plan.id, &opts, &mut |_| {}, &cancel)
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
    let (lab, _) = lab_with_fixture(42, 200);
    let dir = tempfile::tempdir().expect("tempdir");
    let acct = account(&lab, dir.path(), Security::Tls);
    let mut store = Store::open(acct.cache_file().expect("path"), None).expect("store");
    let cancel = CancellationToken::new();
    sync_account(
        &acct,
        &password(),
        &mut store,
        &options(500),
        &mut |_| {},
        &cancel,
    )
    .await
    .expect("sync");
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
    let report = apply_sort_plan(
        &mut conn,
        &mut store,
        &plan.id,
        &ApplyOptions::default(),
        &mut |_| {},
        &cancel,
    )
    .await
    .expect("apply");
    assert_eq!(report.missing, 1);
    assert_eq!(report.moved, plan.total() - 1);
    let target = server_message_ids(&mut other, "Sorted").await;
    assert_eq!(target.len(), plan.total() - 1);
    assert!(!target.contains(&gone.message_id));
}
