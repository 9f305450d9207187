//! Folder and saved-rule tools: folders made, renamed and deleted on the server; rules
//! saved in the configuration (where the window reads them), run as a dry run whose plan
//! the window lists for approval, and removed; every change refused without
//! writes_enabled.

use mailcall_mail::{Config, Connection, Password, PlanOrigin, Store};
use serde_json::json;

use crate::{failed, ok, setup, stdio, Setup, PASSWORD};

async fn server_folders(s: &Setup) -> Vec<String> {
    let mut conn = Connection::open(&s.account, &Password::new(PASSWORD))
        .await
        .unwrap();
    let names = conn
        .list_folders()
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    conn.logout().await;
    names
}

#[tokio::test]
async fn folders_and_saved_rules_round_trip_and_need_writes() {
    let s = setup(21, 400, true, &[]).await;
    let domain = s.manifest.top_domains[0].key.clone();
    let want = s.manifest.top_domains[0].count;
    let out = stdio(
        &s,
        json!([
            {"tool": "create_folder", "args": {"folder": "Família"}},
            {"tool": "rename_folder", "args": {"folder": "Família", "new_name": "Família 2026"}},
            {"tool": "create_folder", "args": {"folder": "Scratch"}},
            {"tool": "delete_folder", "args": {"folder": "Scratch"}},
            {"tool": "delete_folder", "args": {"folder": "INBOX"}},
            {"tool": "save_rule", "args": {"rule": {"name": "Top domain", "to": "Família 2026", "from": [domain], "folders": s.manifest.by_folder.keys().collect::<Vec<_>>()}}},
            {"tool": "save_rule", "args": {"rule": {"to": "Nowhere"}}},
            {"tool": "list_rules"},
            {"tool": "run_rules", "args": {"names": ["Top domain"]}},
            {"tool": "run_rules", "args": {"names": ["No such rule"]}},
        ]),
    );
    assert_eq!(ok(&out, 0)["created"], "Família");
    assert_eq!(ok(&out, 1)["to"], "Família 2026");
    ok(&out, 2);
    ok(&out, 3);
    assert!(failed(&out, 4).contains("INBOX"));
    let folders = server_folders(&s).await;
    assert!(folders.iter().any(|f| f == "Família 2026"), "{folders:?}");
    assert!(!folders.iter().any(|f| f == "Família" || f == "Scratch"));
    ok(&out, 5);
    assert!(failed(&out, 6).contains("name"));
    let listed = ok(&out, 7);
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["rules"][0]["name"], "Top domain");
    let plan = ok(&out, 8);
    assert_eq!(plan["total"].as_u64(), Some(want));
    assert!(failed(&out, 9).contains("No such rule"));

    // The rule is in the configuration the window reads; the plan waits there for approval.
    let config = Config::load(&s.config).unwrap();
    let rules = &config.pick(None).unwrap().rules;
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].from, vec![domain.clone()]);
    let store = Store::open(s.account.cache_file().unwrap(), None).unwrap();
    let plans = store.sort_plans(10).unwrap();
    let waiting = plans
        .iter()
        .find(|p| p.id == plan["plan_id"].as_str().unwrap())
        .expect("the plan is stored");
    assert_eq!(waiting.origin, PlanOrigin::Assistant);
    assert_eq!(waiting.planned, want);
    drop(store);

    let out = stdio(
        &s,
        json!([
            {"tool": "delete_rule", "args": {"name": "Top domain"}},
            {"tool": "delete_rule", "args": {"name": "Top domain"}},
            {"tool": "list_rules"},
        ]),
    );
    ok(&out, 0);
    assert!(failed(&out, 1).contains("no saved rule"));
    assert_eq!(ok(&out, 2)["count"], 0);
}

#[tokio::test]
async fn without_writes_folder_and_rule_changes_are_refused() {
    let s = setup(22, 100, false, &[]).await;
    let out = stdio(
        &s,
        json!([
            {"tool": "create_folder", "args": {"folder": "Nope"}},
            {"tool": "save_rule", "args": {"rule": {"name": "r", "to": "Archive", "from": ["x.example"]}}},
            {"tool": "list_rules"},
        ]),
    );
    assert!(failed(&out, 0).contains("writes"));
    assert!(failed(&out, 1).contains("writes"));
    assert_eq!(ok(&out, 2)["count"], 0);
    assert!(!server_folders(&s).await.iter().any(|f| f == "Nope"));
}
