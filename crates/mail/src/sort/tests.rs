//! `plan_sort` over a small cache built by hand: rule order, exclusions, counts, samples,
//! stable ids, and that planning changes nothing.

use super::*;
use crate::message::MessageMeta;
use crate::store::{NewMessage, Store};
use crate::types::{Address, Flags, MailboxRole, Uid};

const DAY: i64 = 86_400;
const NOW: i64 = 1_750_000_000;

fn msg(uid: u32, from: &str, days_old: i64, list: Option<&str>, automated: bool) -> NewMessage {
    NewMessage {
        uid: Uid::new(uid).expect("uid"),
        flags: Flags::default(),
        modseq: None,
        internal_date: None,
        size: Some(100),
        meta: MessageMeta {
            message_id: format!("m{uid}@test.example"),
            subject: format!("message {uid}"),
            from: Some(Address {
                name: None,
                addr: from.to_owned(),
            }),
            date: Some(NOW - days_old * DAY),
            list_id: list.map(str::to_owned),
            automated,
            ..MessageMeta::default()
        },
        body_text: Some(format!("body of {uid} invoice")),
    }
}

fn cache() -> Store {
    let mut s = Store::open_in_memory().expect("store");
    let inbox = s
        .ensure_mailbox("INBOX", Some(MailboxRole::Inbox))
        .expect("inbox");
    let lists = s.ensure_mailbox("Lists", None).expect("lists");
    s.upsert_messages(
        inbox,
        &[
            msg(1, "a@shop.example", 1, None, false),
            msg(2, "news@shop.example", 40, Some("deals.shop.example"), true),
            msg(3, "bob@people.example", 2, None, false),
            msg(4, "noreply@bank.example", 90, None, true),
            msg(5, "carol@people.example", 100, None, false),
        ],
    )
    .expect("inbox messages");
    s.upsert_messages(
        lists,
        &[msg(
            7,
            "x@shop.example",
            3,
            Some("deals.shop.example"),
            true,
        )],
    )
    .expect("list messages");
    s
}

fn rules(text: &str) -> RuleSet {
    RuleSet::parse(text).expect("rules")
}

#[test]
fn first_matching_rule_wins_and_targets_are_excluded() {
    let store = cache();
    let set = rules(
        r#"
        [[rule]]
        to = "Lists"
        list = "deals"
        [[rule]]
        to = "Shops"
        from = ["shop.example"]
        folders = ["INBOX", "Lists"]
        [[rule]]
        to = "Old"
        older_than_days = 60
        automated = false
        "#,
    );
    let plan = plan_sort(&set, &store, NOW).expect("plan");
    let got: Vec<(String, u32, String)> = plan
        .items
        .iter()
        .map(|i| (i.source.clone(), i.uid.get(), i.target.clone()))
        .collect();
    // uid 2 matches rules 1 and 2: rule 1 wins. Lists/7 is already in Lists for rule 1
    // but rule 2 looks in Lists too, so it goes to Shops.
    assert_eq!(
        got,
        [
            ("INBOX".to_owned(), 1, "Shops".to_owned()),
            ("INBOX".to_owned(), 2, "Lists".to_owned()),
            ("INBOX".to_owned(), 5, "Old".to_owned()),
            ("Lists".to_owned(), 7, "Shops".to_owned()),
        ]
    );
    let shops = plan
        .targets
        .iter()
        .find(|t| t.folder == "Shops")
        .expect("Shops target");
    assert_eq!(shops.count, 2);
    assert_eq!(shops.from_folders.get("Lists"), Some(&1));
    // Newest first in the samples.
    assert_eq!(shops.samples[0].uid.get(), 1);
    assert_eq!(plan.items[0].message_id, "m1@test.example");
}

#[test]
fn queries_and_automation_select_and_ids_are_stable() {
    let mut store = cache();
    let set = rules(
        r#"
        [[rule]]
        to = "Robots"
        automated = true
        query = "invoice -from:bank.example"
        "#,
    );
    let plan = plan_sort(&set, &store, NOW).expect("plan");
    let uids: Vec<u32> = plan.items.iter().map(|i| i.uid.get()).collect();
    assert_eq!(uids, [2]);
    let again = plan_sort(&set, &store, NOW).expect("plan again");
    assert_eq!(plan.id, again.id);
    assert_ne!(plan.id, plan_sort(&set, &store, NOW + 1).expect("later").id);

    let before = store.stats().expect("stats");
    store.save_sort_plan(&plan).expect("save");
    store
        .save_sort_plan(&plan)
        .expect("saving twice is a no-op");
    let (loaded, state) = store.sort_plan(&plan.id).expect("read").expect("stored");
    assert_eq!(loaded, plan);
    assert_eq!(state, PlanState::Planned);
    let after = store.stats().expect("stats");
    assert_eq!(before.messages, after.messages);
    assert_eq!(
        before.mailboxes, after.mailboxes,
        "planning creates no folder"
    );
    assert!(store.sort_plan("nope").expect("read").is_none());
}
