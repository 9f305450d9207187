//! Sorting through the app layer: rules saved in the configuration, a dry run that
//! counts what the manifest says, an apply stopped by quitting the app and resumed when
//! it starts again, with exactly the planned messages moved on the server, none twice.

use std::time::Duration;

use mailcall_api::{AppEvent, PlanMaker, PlanStage, SortRule};

use crate::lab::{api, keyring, server_count, synced};

const TARGET: &str = "Sorted-GitHub";
const DOMAIN: &str = "github.example";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_is_previewed_applied_interrupted_and_resumed_moving_each_message_once() {
    let s = synced("sorting", 43, 3_000).await;
    let m = &s.manifest;
    let want = m.by_domain[DOMAIN];
    assert!(want > 200, "the fixture has GitHub mail: {want}");
    let rule = SortRule {
        name: "GitHub".into(),
        to: TARGET.into(),
        from: vec![DOMAIN.into()],
        folders: m.by_folder.keys().cloned().collect(),
        ..SortRule::default()
    };

    // Saved in the configuration, where the CLI and the MCP server read it.
    let rules = s
        .api
        .save_sort_rule("lab", rule.clone(), None)
        .await
        .expect("save");
    assert_eq!(rules, vec![rule.clone()]);
    assert_eq!(s.api.sort_rules("lab").await.expect("rules"), rules);
    let nameless = SortRule {
        name: " ".into(),
        ..rule.clone()
    };
    let refused = s.api.save_sort_rule("lab", nameless, None).await;
    assert_eq!(refused.expect_err("no name").kind(), "invalid");

    let preview = s
        .api
        .preview_sort("lab", vec![rule.clone()])
        .await
        .expect("preview");
    assert_eq!(u64::from(preview.total), want);
    assert_eq!(preview.targets.len(), 1);
    assert_eq!(preview.targets[0].folder, TARGET);
    assert!(!preview.targets[0].samples.is_empty());
    let all = s.api.preview_rows("lab", 0, 1_000).await.expect("rows");
    assert_eq!(all.len() as u64, want);
    assert!(all.iter().all(|r| r.from.ends_with(DOMAIN)));

    // Applied in chunks of 50 (the test's options); the app quits after the first.
    let mut events = s.api.subscribe();
    let plan = s
        .api
        .apply_sort("lab", vec![rule.clone()])
        .await
        .expect("apply");
    assert_eq!(u64::from(plan.planned), want);
    assert_eq!(plan.maker, PlanMaker::Window);
    let first = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Ok(AppEvent::SortProgress {
                plan: p,
                done,
                moved,
                ..
            }) = events.recv().await
            {
                if p == plan.id && done > 0 {
                    return moved;
                }
            }
        }
    })
    .await
    .expect("a first chunk");
    assert!(u64::from(first) < want, "the apply ended before the quit");
    s.api.shutdown().await;
    let halfway = server_count(&s.lab, TARGET, "ALL").await;
    assert!(
        halfway > 0 && (halfway as u64) < want,
        "moved before the quit: {halfway}"
    );

    // Started again, the app resumes by itself.
    let again = api(s._dir.path(), keyring("sorting")).await;
    let mut events = again.subscribe();
    tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            if let Ok(AppEvent::SortProgress {
                plan: p,
                finished: true,
                error,
                ..
            }) = events.recv().await
            {
                if p == plan.id {
                    assert_eq!(error, None);
                    return;
                }
            }
        }
    })
    .await
    .expect("the resumed apply finished");
    assert_eq!(server_count(&s.lab, TARGET, "ALL").await as u64, want);
    let left = server_count(&s.lab, "INBOX", &format!("FROM \"{DOMAIN}\"")).await;
    assert_eq!(left, 0, "no GitHub mail left in INBOX");
    let plans = again.sort_plans("lab").await.expect("plans");
    let done = plans.iter().find(|p| p.id == plan.id).expect("listed");
    assert_eq!(done.stage, PlanStage::Done);
    assert_eq!((u64::from(done.moved), done.missing), (want, 0));

    let rest = again
        .delete_sort_rule("lab", "GitHub".into())
        .await
        .expect("delete");
    assert!(rest.is_empty());
    again.shutdown().await;
}
