//! Machines and people decided from the mailbox's own evidence, against the Dovecot
//! lab and a fixture with machines that set no automation header and people who write
//! once; expected values come from the fixture's truth (`senders_truth`, `unanswered`).

use std::collections::BTreeSet;

use mailcall_mail::{Mark, Period, ReasonCode, SenderKind, Store};
use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::fixture::manifest::SenderTruth;
use mailcall_testkit::fixture::{Fixture, Manifest};

use super::remote::{fresh_cache, options, other_client, run, sync, PASSWORD, USER};

const ME: &str = "me@corp.example";
const MESSAGES: u64 = 3_000;

fn lab(seed: u64) -> (DovecotLab, Manifest) {
    let mut lab = DovecotLab::builder()
        .user(USER, PASSWORD)
        .build()
        .expect("lab builds");
    let manifest = Fixture::new(seed)
        .messages(MESSAGES)
        .unmarked_senders(true)
        .list_limit(100_000)
        .write_maildir_with_manifest(
            &lab.maildir(USER),
            &lab.maildir(USER).join("..").join("manifest.json"),
        )
        .expect("fixture written");
    lab.fix_ownership().expect("ownership");
    lab.start().expect("lab starts");
    (lab, manifest)
}

fn count(store: &Store, query: &str) -> u64 {
    store.count(query).expect("count")
}

/// The Message-IDs of the threads the engine says wait for my reply.
fn waiting(store: &Store) -> BTreeSet<String> {
    store
        .waiting_for_reply(&[ME], Period::default(), 100_000)
        .expect("waiting")
        .into_iter()
        .map(|m| m.message_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn machines_without_headers_and_waiting_for_reply_match_the_truth() {
    let (lab, manifest) = lab(11);
    let truth = manifest.senders_truth.clone().expect("truth is kept");
    let (_dir, acct, mut store) = fresh_cache(&lab);
    sync(&acct, &mut store, &options(500), &mut |_| {})
        .await
        .expect("sync");

    // The fixture is one that headers alone misjudge by far more than the target.
    let total = (truth.machine + truth.person) as f64;
    let true_share = truth.machine as f64 / total;
    let header_share = manifest.automated as f64 / total;
    assert!(
        true_share - header_share > 0.10,
        "fixture too easy: truth {true_share:.3}, headers {header_share:.3}"
    );

    let share = store.automation_share(Period::default()).expect("share");
    let got_share = share.automated_ratio();
    assert!(
        (got_share - true_share).abs() <= 0.02,
        "automated share {got_share:.4}, truth {true_share:.4} (headers alone {header_share:.4})"
    );
    assert_eq!(count(&store, "is:automated"), share.automated);
    assert_eq!(count(&store, "is:human"), share.human);

    assert!(manifest.unanswered.complete());
    let want: BTreeSet<String> = manifest
        .unanswered
        .items
        .iter()
        .map(|u| u.last.clone())
        .collect();
    let got = waiting(&store);
    let hits = got.intersection(&want).count() as f64;
    let precision = hits / got.len().max(1) as f64;
    let recall = hits / want.len().max(1) as f64;
    println!(
        "automated share {got_share:.4} (truth {true_share:.4}, headers alone {header_share:.4}); \
         waiting: precision {precision:.3}, recall {recall:.3} ({} found, {} true)",
        got.len(),
        want.len()
    );
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "waiting for reply: precision {precision:.3}, recall {recall:.3} ({} found, {} true)",
        got.len(),
        want.len()
    );

    // Every machine that sends enough to judge is called one, and says why.
    for (addr, kind) in &truth.kinds {
        let Some(r) = store.sender(addr).expect("sender") else {
            continue;
        };
        if *kind == SenderTruth::Machine && r.messages >= 20 {
            assert_eq!(r.kind, SenderKind::Machine, "{addr}: {:?}", r.why);
            assert!(!r.why.is_empty());
        }
    }
    let nagios = store
        .sender("nagios@mon.corp.example")
        .expect("sender")
        .expect("nagios sent mail");
    assert_eq!(nagios.kind, SenderKind::Machine);
    assert!(nagios
        .why
        .iter()
        .any(|w| w.code == ReasonCode::TemplateSubjects));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_can_override_a_sender_either_way() {
    let (lab, manifest) = lab(12);
    let (_dir, acct, mut store) = fresh_cache(&lab);
    sync(&acct, &mut store, &options(500), &mut |_| {})
        .await
        .expect("sync");
    // A one-off person whose thread waits for my reply.
    let person = manifest
        .unanswered
        .items
        .iter()
        .find(|u| u.from.starts_with("writer"))
        .expect("a one-off person waits")
        .clone();
    assert!(waiting(&store).contains(&person.last));
    let before = count(&store, "is:automated");

    let r = store
        .mark_sender(&person.from, Mark::Machine, &[ME])
        .expect("mark");
    assert_eq!(r.kind, SenderKind::Machine);
    assert_eq!(r.decided, SenderKind::Person);
    assert_eq!(r.why[0].code, ReasonCode::Override);
    assert!(!waiting(&store).contains(&person.last));
    assert_eq!(count(&store, "is:automated"), before + r.messages);

    store
        .mark_sender(&person.from, Mark::Auto, &[ME])
        .expect("auto");
    assert!(waiting(&store).contains(&person.last));
    assert_eq!(count(&store, "is:automated"), before);

    // A machine marked a person: its mail counts as human.
    let zabbix = "zabbix@ops.corp.example";
    let n = store
        .sender(zabbix)
        .expect("sender")
        .expect("zabbix")
        .messages;
    let r = store
        .mark_sender(zabbix, Mark::Person, &[ME])
        .expect("mark");
    assert_eq!(r.kind, SenderKind::Person);
    assert_eq!(count(&store, "is:automated"), before - n);
    // The override survives new evidence.
    store.reclassify_senders(&[ME]).expect("reclassify");
    assert_eq!(
        store.sender(zabbix).expect("sender").expect("zabbix").kind,
        SenderKind::Person
    );
}

fn alert(i: u32) -> Vec<u8> {
    format!(
        "From: Pager <pager@alerts.example>\r\nTo: me@corp.example\r\n\
         Subject: ALERT {i}: queue depth above limit\r\nDate: Tue, 1 Jul 2025 1{}:00:00 +0000\r\n\
         Message-ID: <pager-{i}@alerts.example>\r\n\r\nqueue depth {i}00\r\n",
        i % 10
    )
    .into_bytes()
}

// A sender's class follows new mail: a new header-less machine becomes one once it has
// sent enough, and a message of mine to it makes it a person.
#[tokio::test(flavor = "multi_thread")]
async fn the_class_is_decided_again_as_mail_arrives() {
    let (lab, _manifest) = lab(13);
    let (_dir, acct, mut store) = fresh_cache(&lab);
    sync(&acct, &mut store, &options(500), &mut |_| {})
        .await
        .expect("sync");
    let mut raw = other_client(&lab).await;
    raw.append("INBOX", None, None, &alert(0))
        .await
        .expect("append");
    sync(&acct, &mut store, &options(500), &mut |_| {})
        .await
        .expect("sync");
    let one = store
        .sender("pager@alerts.example")
        .expect("sender")
        .expect("decided");
    assert_eq!(one.kind, SenderKind::Person, "{:?}", one.why);
    assert_eq!(one.why[0].code, ReasonCode::WritesOnce);

    for i in 1..8 {
        raw.append("INBOX", None, None, &alert(i))
            .await
            .expect("append");
    }
    sync(&acct, &mut store, &options(500), &mut |_| {})
        .await
        .expect("sync");
    let many = store
        .sender("pager@alerts.example")
        .expect("sender")
        .expect("decided");
    assert_eq!(many.kind, SenderKind::Machine, "{:?}", many.why);
    assert_eq!(count(&store, "from:pager@alerts.example is:automated"), 8);

    let mine = b"From: Me Myself <me@corp.example>\r\nTo: pager@alerts.example\r\n\
Subject: please stop\r\nDate: Tue, 1 Jul 2025 20:00:00 +0000\r\nMessage-ID: <mine-1@corp.example>\r\n\r\nThanks.\r\n";
    raw.append("Sent", None, None, mine).await.expect("append");
    run(&mut raw, "NOOP").await;
    sync(&acct, &mut store, &options(500), &mut |_| {})
        .await
        .expect("sync");
    let now = store
        .sender("pager@alerts.example")
        .expect("sender")
        .expect("decided");
    assert_eq!(now.kind, SenderKind::Person, "{:?}", now.why);
    assert_eq!(now.why[0].code, ReasonCode::IWroteTo);
    assert_eq!(count(&store, "from:pager@alerts.example is:automated"), 0);
}
