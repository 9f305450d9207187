//! Cache benchmark: generates fixture mail (300,000 messages unless
//! `MAILCALL_BENCH_MESSAGES` says otherwise), ingests it into an on-disk cache and prints
//! ingest time, search p50/p99 over 20 fixed queries, unanswered and analytics times, INBOX
//! as conversations (the walk and one page of it) and the size on disk. Run with `cargo bench -p mailcall-mail --bench cache`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Result;
use mailcall_mail::imap::HEADER_FIELDS;
use mailcall_mail::{
    parse_headers, parse_message, Flags, MailboxId, MailboxRole, NewMessage, Period, SearchOrder,
    SenderKey, Store, Uid,
};
use mailcall_testkit::fixture::{Fixture, Folder};

const ME: &str = "me@corp.example";
const BATCH: usize = 5_000;

fn role(folder: Folder) -> Option<MailboxRole> {
    match folder {
        Folder::Inbox => Some(MailboxRole::Inbox),
        Folder::Sent => Some(MailboxRole::Sent),
        Folder::Drafts => Some(MailboxRole::Drafts),
        Folder::Archive => Some(MailboxRole::Archive),
        // The folders of `Fixture::named_folders` have no special use either.
        _ => None,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

/// The header lines a header sync receives for `raw` (`BODY.PEEK[HEADER.FIELDS (..)]`):
/// the fields it asks for, with their continuation lines, and the blank line.
fn header_fields(raw: &[u8], wanted: &[String]) -> Vec<u8> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |p| p + 2);
    let mut out = Vec::with_capacity(end);
    let mut keep = false;
    for line in raw[..end].split_inclusive(|&b| b == b'\n') {
        if !line.starts_with(b" ") && !line.starts_with(b"\t") {
            let name = line.split(|&b| b == b':').next().unwrap_or_default();
            keep = wanted
                .iter()
                .any(|w| w.as_bytes().eq_ignore_ascii_case(name));
        }
        if keep {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn main() -> Result<()> {
    let n: u64 = std::env::var("MAILCALL_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let mut store = Store::open(&path, None)?;
    let fixture = Fixture::new(2025)
        .messages(n)
        .me(&format!("Me Myself <{ME}>"));

    let mut boxes: BTreeMap<Folder, (MailboxId, u32, Vec<NewMessage>)> = BTreeMap::new();
    for folder in Folder::ALL {
        boxes.insert(
            folder,
            (
                store.ensure_mailbox(folder.name(), role(folder))?,
                0,
                Vec::new(),
            ),
        );
    }
    let wanted: Vec<String> = HEADER_FIELDS
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let (mut generate, mut parse, mut write) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut parse_fields = Duration::ZERO;
    let start = Instant::now();
    let mut it = fixture.iter();
    loop {
        let (next, g) = timed(|| it.next());
        generate += g;
        let Some(msg) = next else { break };
        let (parsed, p) = timed(|| parse_message(&msg.bytes));
        parse += p;
        let fields = header_fields(&msg.bytes, &wanted);
        let (meta, p) = timed(|| parse_headers(&fields));
        parse_fields += p;
        std::hint::black_box(meta);
        let entry = boxes
            .get_mut(&msg.folder)
            .ok_or_else(|| anyhow::anyhow!("folder"))?;
        entry.1 += 1;
        entry.2.push(NewMessage {
            uid: Uid::new(entry.1).ok_or_else(|| anyhow::anyhow!("uid"))?,
            flags: Flags {
                seen: msg.flags.seen,
                answered: msg.flags.answered,
                flagged: msg.flags.flagged,
                draft: msg.flags.draft,
                ..Flags::default()
            },
            modseq: None,
            internal_date: Some(msg.date),
            size: u32::try_from(msg.bytes.len()).ok(),
            meta: parsed.meta,
            body_text: parsed.body_text,
        });
        if entry.2.len() >= BATCH {
            let (id, pending) = (entry.0, std::mem::take(&mut entry.2));
            let (r, w) = timed(|| store.upsert_messages(id, &pending));
            r?;
            write += w;
        }
    }
    for (id, _, pending) in boxes.into_values() {
        let (r, w) = timed(|| store.upsert_messages(id, &pending));
        r?;
        write += w;
    }
    let manifest = it.manifest();
    let total = start.elapsed();
    let (r, optimize) = timed(|| store.optimize());
    r?;
    println!("messages: {n}");
    println!(
        "ingest: total {:.1} s (generate {:.1} s, parse {:.1} s, cache writes incl. FTS and threads {:.1} s = {:.0} msg/s)",
        total.as_secs_f64(),
        generate.as_secs_f64(),
        parse.as_secs_f64(),
        write.as_secs_f64(),
        n as f64 / write.as_secs_f64()
    );
    println!(
        "header fields alone (what a header sync parses): {:.2} us a message",
        parse_fields.as_secs_f64() * 1e6 / n as f64
    );
    println!("optimize: {:.0} ms", ms(optimize));

    let needle = manifest
        .needle
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("needle"))?;
    let top_domain = manifest
        .top_domains
        .first()
        .map(|c| c.key.clone())
        .unwrap_or_default();
    let top_sender = manifest
        .top_senders
        .first()
        .map(|c| c.key.clone())
        .unwrap_or_default();
    let queries: Vec<(String, SearchOrder)> = vec![
        (needle.token.clone(), SearchOrder::Relevance),
        (format!("subject:{}", needle.word), SearchOrder::Relevance),
        (format!("body:{}", needle.token), SearchOrder::NewestFirst),
        (format!("from:{top_domain}"), SearchOrder::NewestFirst),
        (format!("from:{top_sender}"), SearchOrder::NewestFirst),
        ("folder:INBOX is:unread".into(), SearchOrder::NewestFirst),
        ("has:attachment".into(), SearchOrder::NewestFirst),
        ("is:flagged".into(), SearchOrder::NewestFirst),
        (
            "is:replied date:2025-01..2025-03".into(),
            SearchOrder::NewestFirst,
        ),
        ("invoice".into(), SearchOrder::Relevance),
        ("invoice".into(), SearchOrder::NewestFirst),
        ("meeting OR review".into(), SearchOrder::Relevance),
        ("\"order confirmation\"".into(), SearchOrder::NewestFirst),
        ("subject:receipt -coffee".into(), SearchOrder::NewestFirst),
        ("list:rust is:unread".into(), SearchOrder::NewestFirst),
        ("from:eleni after:2025-03".into(), SearchOrder::Relevance),
        (
            "body:deploy* before:2025-02".into(),
            SearchOrder::NewestFirst,
        ),
        ("Ελένη OR 王小明".into(), SearchOrder::Relevance),
        ("is:unread -is:automated".into(), SearchOrder::NewestFirst),
        ("the".into(), SearchOrder::Relevance),
    ];
    let mut samples = Vec::new();
    let mut per_query = Vec::new();
    for round in 0..11 {
        for (q, order) in &queries {
            let (page, d) = timed(|| store.search(q, *order, 0, 50));
            let page = page?;
            if round == 0 {
                // The first round warms the page cache; it is reported, not counted.
                per_query.push((q.clone(), *order, page.items.len(), d));
            } else {
                samples.push(d);
            }
        }
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "search: {} runs over {} queries, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        samples.len(),
        queries.len(),
        ms(pct(0.5)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
    for (q, order, hits, d) in per_query {
        println!("  {:>8.2} ms cold  {hits:>3} hits  {order:?}  {q}", ms(d));
    }

    let year = Period::between(manifest.period.start, manifest.period.end + 1);
    let (r, d) = timed(|| store.waiting_for_reply(&[ME], year, 1_000));
    println!(
        "waiting for reply (whole period): {} threads in {:.1} ms",
        r?.len(),
        ms(d)
    );
    let quarter = Period::between(manifest.period.end - 90 * 86_400, manifest.period.end + 1);
    let (r, d) = timed(|| store.waiting_for_reply(&[ME], quarter, 1_000));
    println!(
        "waiting for reply (last 90 days): {} threads in {:.1} ms",
        r?.len(),
        ms(d)
    );
    let (r, d) = timed(|| store.top_senders(SenderKey::Address, &[ME], year, 20));
    println!("top senders by address: {} in {:.1} ms", r?.len(), ms(d));
    let (r, d) = timed(|| store.top_senders(SenderKey::Domain, &[ME], year, 20));
    println!("top senders by domain: {} in {:.1} ms", r?.len(), ms(d));
    let (r, d) = timed(|| store.automation_share(year));
    let share = r?;
    println!(
        "automated vs human: {} / {} in {:.1} ms",
        share.automated,
        share.human,
        ms(d)
    );
    let (r, d) = timed(|| store.never_opened(&[ME], year, 1));
    println!("never-opened senders: {} in {:.1} ms", r?.len(), ms(d));
    let (r, d) = timed(|| store.mailboxes());
    println!("mailboxes with counts: {} in {:.1} ms", r?.len(), ms(d));
    let inbox = store
        .mailbox_id("INBOX")?
        .ok_or_else(|| anyhow::anyhow!("inbox"))?;
    let (r, d) = timed(|| store.list_messages(inbox, 0, 50));
    println!("first INBOX page: {} in {:.2} ms", r?.items.len(), ms(d));
    let (r, d) = timed(|| store.list_messages(inbox, 20_000, 50));
    println!(
        "INBOX page at offset 20,000: {} in {:.2} ms",
        r?.items.len(),
        ms(d)
    );
    let (r, d) = timed(|| store.thread_heads(inbox));
    let heads = r?;
    println!(
        "INBOX as conversations (one walk): {} in {:.1} ms",
        heads.len(),
        ms(d)
    );
    let page: Vec<_> = heads.iter().skip(heads.len() / 2).take(50).collect();
    let ids: Vec<_> = page.iter().map(|h| h.head).collect();
    let threads: Vec<_> = page.iter().map(|h| h.thread).collect();
    let (r, d) = timed(|| {
        store
            .summaries(&ids)
            .and_then(|rows| Ok((rows, store.thread_tallies(inbox, &threads)?)))
    });
    println!(
        "a page of 50 conversations from the middle: {} in {:.2} ms",
        r?.0.len(),
        ms(d)
    );
    let stats = store.stats()?;
    println!(
        "db size: {:.1} MB ({} messages, {} threads, {} with body)",
        stats.size_bytes as f64 / 1e6,
        stats.messages,
        stats.threads,
        stats.with_body
    );
    Ok(())
}
