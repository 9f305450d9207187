//! App-layer read benchmark: fixture mail (300,000 messages unless
//! `MAILCALL_BENCH_MESSAGES` says otherwise) ingested into an on-disk cache, opened by
//! an [`Api`] as an account whose service cannot log in (no password stored), so only
//! the cache answers. Prints the latency of `listMessages` at random offsets of the
//! largest folder, of `listThreads` (the first call, which walks the folder, then pages
//! at random offsets of the kept walk, then the walk again after a change), of `search`
//! for each keystroke prefix of a few queries, and of `openMessage` on cached bodies,
//! each as the window calls them (async, through the read pool). Run with `cargo bench -p mailcall-api --bench reads`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use mailcall_api::{Api, ApiOptions, LiveOptions, Settings};
use mailcall_mail::{
    parse_message, Account, Config, Flags, Keyring, MailboxId, MailboxRole, NewMessage, Store, Uid,
};
use mailcall_testkit::fixture::{Fixture, Folder};
use rand::{Rng, SeedableRng};

const ME: &str = "me@corp.example";
const BATCH: usize = 5_000;
const PAGE: u32 = 60;

fn role(folder: Folder) -> Option<MailboxRole> {
    match folder {
        Folder::Inbox => Some(MailboxRole::Inbox),
        Folder::Sent => Some(MailboxRole::Sent),
        Folder::Drafts => Some(MailboxRole::Drafts),
        Folder::Archive => Some(MailboxRole::Archive),
        _ => None,
    }
}

/// Writes `n` fixture messages (bodies included) into a new cache at `path`; returns
/// the needle's token.
fn build_cache(path: &std::path::Path, n: u64) -> Result<String> {
    let mut store = Store::open(path, None)?;
    let fixture = Fixture::new(2025)
        .messages(n)
        .me(&format!("Me Myself <{ME}>"));
    let mut boxes: BTreeMap<Folder, (MailboxId, u32, Vec<NewMessage>)> = BTreeMap::new();
    for folder in Folder::ALL {
        let id = store.ensure_mailbox(folder.name(), role(folder))?;
        boxes.insert(folder, (id, 0, Vec::new()));
    }
    let mut it = fixture.iter();
    for msg in it.by_ref() {
        let parsed = parse_message(&msg.bytes);
        let entry = boxes
            .get_mut(&msg.folder)
            .ok_or_else(|| anyhow!("folder"))?;
        entry.1 += 1;
        entry.2.push(NewMessage {
            uid: Uid::new(entry.1).ok_or_else(|| anyhow!("uid"))?,
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
            let (id, batch) = (entry.0, std::mem::take(&mut entry.2));
            store.upsert_messages(id, &batch)?;
        }
    }
    for (id, _, batch) in boxes.into_values() {
        store.upsert_messages(id, &batch)?;
    }
    store.optimize()?;
    let manifest = it.manifest();
    Ok(manifest.needle.ok_or_else(|| anyhow!("needle"))?.token)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// p50, p95 and max of `samples`, in ms.
fn summary(samples: &mut [Duration]) -> String {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    format!(
        "p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} calls)",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(1.0)),
        samples.len()
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let n: u64 = std::env::var("MAILCALL_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000);
    let dir = tempfile::tempdir()?;
    let cache = dir.path().join("bench.sqlite");
    let started = Instant::now();
    let needle = tokio::task::spawn_blocking({
        let cache = cache.clone();
        move || build_cache(&cache, n)
    })
    .await??;
    println!(
        "messages: {n} (cache built in {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    let mut account = Account::new("bench", "imap.invalid", "me");
    account.cache_path = Some(cache);
    let config_path = dir.path().join("config.toml");
    Config {
        accounts: vec![account],
    }
    .save(&config_path)?;
    let opts = ApiOptions {
        config_path,
        // A service name nothing stored under: the account runs without a server.
        keyring: Keyring::new(&format!("mailcall-bench-{}", std::process::id())),
        live: LiveOptions::default(),
        calls: mailcall_api::CallOptions::default(),
        cache_dir: None,
    };
    let t = Instant::now();
    let api = Api::load(opts).await.context("load")?;
    println!(
        "load (open the cache, start the account): {:.0} ms",
        ms(t.elapsed())
    );
    api.set_settings(Settings {
        mark_read_on_open: false,
    })
    .await?;

    let folders = api.folders("bench").await?;
    let big = folders
        .iter()
        .max_by_key(|f| f.total)
        .ok_or_else(|| anyhow!("no folder"))?;
    let (folder, total) = (big.path.clone(), big.total);
    println!("largest folder: {folder} with {total} messages");

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut samples = Vec::new();
    let mut opened_ids = Vec::new();
    for _ in 0..200 {
        let offset = rng.gen_range(0..total.saturating_sub(PAGE).max(1));
        let t = Instant::now();
        let page = api
            .list_messages("bench", folder.clone(), offset, PAGE)
            .await?;
        samples.push(t.elapsed());
        if let Some(row) = page.rows.first() {
            opened_ids.push(row.id.clone());
        }
    }
    println!(
        "listMessages, {PAGE} rows at a random offset: {}",
        summary(&mut samples)
    );

    // Four readers at once, as a fast scroll asks for several windows.
    let t = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..40u32 {
        let (api, folder) = (api.clone(), folder.clone());
        let offset = (i * 7_919) % total.saturating_sub(PAGE).max(1);
        calls.spawn(async move { api.list_messages("bench", folder, offset, PAGE).await });
    }
    while let Some(r) = calls.join_next().await {
        r??;
    }
    println!(
        "listMessages, 40 windows asked at once: {:.1} ms in all",
        ms(t.elapsed())
    );

    // Conversations: the first page walks the folder once; later pages slice the walk.
    let t = Instant::now();
    let first = api.list_threads("bench", folder.clone(), 0, PAGE).await?;
    println!(
        "listThreads, first page (walks {total} messages into {} conversations): {:.0} ms",
        first.total,
        ms(t.elapsed())
    );
    let conversations = first.total;
    let mut samples = Vec::new();
    for _ in 0..200 {
        let offset = rng.gen_range(0..conversations.saturating_sub(PAGE).max(1));
        let t = Instant::now();
        api.list_threads("bench", folder.clone(), offset, PAGE)
            .await?;
        samples.push(t.elapsed());
    }
    println!(
        "listThreads, {PAGE} rows at a random offset: {}",
        summary(&mut samples)
    );
    // A move drops the kept walks; the next page walks again.
    let head = first
        .rows
        .first()
        .ok_or_else(|| anyhow!("no conversation"))?
        .head
        .id
        .clone();
    api.act(
        "bench",
        mailcall_api::Action::Move {
            folder: "Archive".into(),
        },
        mailcall_api::Selection::Ids { ids: vec![head] },
    )
    .await?;
    let t = Instant::now();
    api.list_threads("bench", folder.clone(), 0, PAGE).await?;
    println!(
        "listThreads, first page after a move (walks again): {:.0} ms",
        ms(t.elapsed())
    );

    for query in [needle.as_str(), "invoice", "meeting", "from:eleni"] {
        let mut samples = Vec::new();
        for end in 1..=query.chars().count() {
            let prefix: String = query.chars().take(end).collect();
            let t = Instant::now();
            match api.search("bench", prefix, 0, PAGE).await {
                // A prefix may not parse yet (`from:`); the window shows the error.
                Ok(_) | Err(mailcall_api::ApiError::BadQuery { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            samples.push(t.elapsed());
        }
        println!(
            "search per keystroke of {query:?}: {}",
            summary(&mut samples)
        );
    }

    let mut samples = Vec::new();
    for id in opened_ids.iter().take(100) {
        let t = Instant::now();
        let view = api.open_message("bench", id.clone(), false).await?;
        samples.push(t.elapsed());
        if view.text.is_none() {
            return Err(anyhow!("message {id} has no cached body"));
        }
    }
    println!("openMessage, cached body: {}", summary(&mut samples));
    api.shutdown().await;
    Ok(())
}
