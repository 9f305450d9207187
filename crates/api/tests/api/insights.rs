//! "Waiting for my reply" and the senders view through the app layer, against the
//! manifest of a synced fixture mailbox.

use std::collections::BTreeSet;

use mailcall_api::{PeriodArg, SenderKindName, SenderMark};

use crate::lab::synced;

fn whole(manifest: &mailcall_testkit::fixture::Manifest) -> PeriodArg {
    PeriodArg {
        start: Some(manifest.period.start as f64),
        end: Some(manifest.period.end as f64 + 1.0),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_lists_the_manifest_conversations_and_handled_ones_leave() {
    let s = synced("waiting", 41, 2_000).await;
    let m = &s.manifest;
    assert!(m.unanswered.complete() && m.unanswered.total > 3);
    let page = s
        .api
        .waiting("lab", whole(m), 1_000)
        .await
        .expect("waiting");
    assert_eq!(u64::from(page.total), m.unanswered.total);
    let got: BTreeSet<(String, i64)> = page
        .rows
        .iter()
        .map(|r| (r.message.from_addr.to_lowercase(), r.message.date as i64))
        .collect();
    let want: BTreeSet<(String, i64)> = m
        .unanswered
        .items
        .iter()
        .map(|u| (u.from.to_lowercase(), u.date))
        .collect();
    assert_eq!(got, want);
    assert!(page
        .rows
        .windows(2)
        .all(|w| w[0].message.date >= w[1].message.date));

    // First lines come from bodies fetched on demand (the sync stored headers only).
    let ids: Vec<String> = page
        .rows
        .iter()
        .take(5)
        .map(|r| r.message.id.clone())
        .collect();
    assert!(page.rows.iter().take(5).all(|r| r.first_line.is_none()));
    let lines = s
        .api
        .first_lines("lab", ids.clone())
        .await
        .expect("first lines");
    assert_eq!(lines.iter().map(|l| l.id.clone()).collect::<Vec<_>>(), ids);
    assert!(
        lines.iter().all(|l| l
            .line
            .as_deref()
            .is_some_and(|t| !t.trim().is_empty() && !t.starts_with('>'))),
        "{lines:?}"
    );
    let again = s.api.waiting("lab", whole(m), 5).await.expect("again");
    assert!(again.rows.iter().all(|r| r.first_line.is_some()));

    let limited = s.api.waiting("lab", whole(m), 2).await.expect("limited");
    assert_eq!((limited.rows.len(), limited.total), (2, page.total));

    let first = page.rows[0].message.id.clone();
    s.api
        .set_handled("lab", first.clone(), true)
        .await
        .expect("handled");
    let after = s.api.waiting("lab", whole(m), 1_000).await.expect("after");
    assert_eq!(after.total, page.total - 1);
    assert!(after.rows.iter().all(|r| r.message.id != first));
    s.api
        .set_handled("lab", first.clone(), false)
        .await
        .expect("unhandled");
    let back = s.api.waiting("lab", whole(m), 1_000).await.expect("back");
    assert_eq!(back.total, page.total);

    let gone = s
        .api
        .set_handled("lab", "999999999".into(), true)
        .await
        .expect_err("no such message");
    assert_eq!(gone.kind(), "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_senders_report_counts_as_the_manifest_and_marks_follow() {
    let s = synced("senders", 42, 2_000).await;
    let m = &s.manifest;
    let r = s
        .api
        .senders_report("lab", PeriodArg::default(), 20)
        .await
        .expect("report");
    let pairs = |v: &[mailcall_api::SenderStat]| -> Vec<(String, u64)> {
        v.iter()
            .map(|c| (c.key.clone(), u64::from(c.count)))
            .collect()
    };
    let want = |v: &[mailcall_testkit::fixture::manifest::Count]| -> Vec<(String, u64)> {
        v.iter().map(|c| (c.key.clone(), c.count)).collect()
    };
    assert_eq!(pairs(&r.top_addresses), want(&m.top_senders));
    assert_eq!(pairs(&r.top_domains), want(&m.top_domains));
    assert_eq!(
        (u64::from(r.automated), u64::from(r.human)),
        (m.automated, m.human)
    );
    let months: (u64, u64) = r.months.iter().fold((0, 0), |a, x| {
        (a.0 + u64::from(x.automated), a.1 + u64::from(x.human))
    });
    assert_eq!(months, (m.automated, m.human));
    assert!(r.months.windows(2).all(|w| w[0].month < w[1].month));
    assert_eq!(r.never_opened_total as usize, m.never_opened.len());
    let never: BTreeSet<&str> = r.never_opened.iter().map(|c| c.key.as_str()).collect();
    assert!(never.iter().all(|a| m.never_opened.iter().any(|n| n == a)));
    assert!(r
        .top_addresses
        .iter()
        .all(|c| c.kind.is_some() && !c.why.is_empty()));
    assert!(r.top_domains.iter().all(|c| c.kind.is_none()));

    // A person's word on the top sender shows at once, and can be taken back.
    let top = r.top_addresses[0].clone();
    let other = match top.kind {
        Some(SenderKindName::Machine) => SenderMark::Person,
        _ => SenderMark::Machine,
    };
    let marked = s
        .api
        .mark_sender("lab", top.key.clone(), other)
        .await
        .expect("mark");
    assert!(marked.overridden && marked.kind != top.kind);
    let r2 = s
        .api
        .senders_report("lab", PeriodArg::default(), 20)
        .await
        .expect("report");
    assert_eq!(r2.top_addresses[0].kind, marked.kind);
    let auto = s
        .api
        .mark_sender("lab", top.key.clone(), SenderMark::Auto)
        .await
        .expect("auto");
    assert_eq!((auto.overridden, auto.kind), (false, top.kind));
    let bad = s
        .api
        .mark_sender("lab", "not an address".into(), SenderMark::Person)
        .await
        .expect_err("bad address");
    assert_eq!(bad.kind(), "invalid");
}
