//! The CLI's machines and people against a fixture whose machines set no automation header:
//! `senders list` gives every sender a class with reasons and the machine share of the
//! fixture's truth, `senders` (top) and `waiting` carry the class, and `senders mark`
//! overrides a sender either way and back, with `is:automated` following at once.

use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::fixture::manifest::SenderTruth;
use mailcall_testkit::fixture::{Fixture, Manifest};
use serde_json::Value;

use crate::{add_account, lab_with, ok_json, set_password};

fn unmarked_lab() -> (DovecotLab, Manifest) {
    lab_with(
        Fixture::new(41)
            .messages(1_500)
            .unmarked_senders(true)
            .list_limit(100_000),
    )
}

fn kind(v: &Value) -> &str {
    v["kind"]
        .as_str()
        .unwrap_or_else(|| panic!("no kind in {v}"))
}

fn automated(config: &std::path::Path, address: &str) -> u64 {
    let query = format!("is:automated from:{address}");
    let found = ok_json(config, &["search", &query, "--limit", "1000"]);
    found["items"].as_array().expect("items").len() as u64
}

#[tokio::test]
async fn senders_have_classes_with_reasons_and_overrides_both_ways() {
    let (lab, manifest) = unmarked_lab();
    let truth = manifest.senders_truth.clone().expect("truth is kept");
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("senders-{}", std::process::id());
    let (paths, _) = add_account(&lab, dir.path(), &name, &[]);
    let config = paths.config;
    set_password(&config, &name);
    ok_json(&config, &["sync", "--batch", "500"]);

    // Every sender has a class and a reason.
    let listed = ok_json(&config, &["senders", "list", "--limit", "100000"]);
    let listed = listed.as_array().expect("senders");
    assert_eq!(listed.len(), truth.kinds.len(), "one row per sender");
    for s in listed {
        let why = s["why"].as_array().expect("why");
        assert!(
            !why.is_empty() && why[0]["text"].as_str().is_some_and(|t| !t.is_empty()),
            "{s}"
        );
        let address = s["address"].as_str().expect("address");
        assert!(
            truth.kinds.contains_key(address),
            "{address} is not a fixture sender"
        );
    }

    // The top senders and the waiting list report each sender's class.
    // The machines' share of all mail (mine counts as a person's) is the truth's.
    let top = ok_json(&config, &["senders", "--limit", "20"]);
    let automation = &top["automation"];
    let machine = automation["automated"].as_u64().expect("automated") as f64;
    let all = machine + automation["human"].as_u64().expect("human") as f64;
    let want = truth.machine as f64 / (truth.machine + truth.person) as f64;
    assert!(
        (machine / all - want).abs() <= 0.02,
        "machine share {:.3}, truth {want:.3}",
        machine / all
    );
    for t in top["top"].as_array().expect("top") {
        assert!(t["class"]["kind"].is_string(), "{t}");
    }
    let waiting = ok_json(&config, &["waiting", "--limit", "1000"]);
    let waiting = waiting.as_array().expect("waiting");
    assert!(!waiting.is_empty());
    let people = waiting
        .iter()
        .filter(|w| kind(&w["sender"]) == "person")
        .count();
    assert!(
        people * 100 >= waiting.len() * 95,
        "{people} of {} waiting are from people",
        waiting.len()
    );

    // A machine the evidence found, marked a person: its mail stops being automated; back to
    // auto, the evidence decides again.
    let machine = listed
        .iter()
        .find(|s| {
            let address = s["address"].as_str().expect("address");
            kind(s) == "machine" && truth.kinds.get(address) == Some(&SenderTruth::Machine)
        })
        .expect("a machine sender");
    let address = machine["address"].as_str().expect("address");
    let before = automated(&config, address);
    assert_eq!(before, machine["messages"].as_u64().expect("messages"));
    let marked = ok_json(&config, &["senders", "mark", address, "--person"]);
    assert_eq!(kind(&marked), "person");
    assert_eq!(marked["overridden"], "person");
    assert_eq!(marked["decided"], "machine");
    assert_eq!(automated(&config, address), 0);
    let shown = ok_json(&config, &["senders", "show", address]);
    assert_eq!(kind(&shown), "person");
    let back = ok_json(&config, &["senders", "mark", address, "--auto"]);
    assert_eq!(kind(&back), "machine");
    assert!(back["overridden"].is_null());
    assert_eq!(automated(&config, address), before);

    // And the other way: a person marked a machine.
    let person = listed
        .iter()
        .find(|s| kind(s) == "person")
        .and_then(|s| s["address"].as_str())
        .expect("a person");
    let marked = ok_json(&config, &["senders", "mark", person, "--machine"]);
    assert_eq!(kind(&marked), "machine");
    assert!(automated(&config, person) > 0);
}
