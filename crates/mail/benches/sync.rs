//! Sync benchmark against the Dovecot lab: a generated mailbox (300,000 messages unless
//! `MAILCALL_BENCH_MESSAGES` says otherwise) is written as Maildir and served over
//! implicit TLS on loopback. Measured, each run in a child process so its peak RSS
//! (`VmHWM`) is its own:
//!
//! - a full header sync into an empty cache against a plain `UID FETCH 1:*` of the same
//!   header fields on every folder, responses parsed and dropped, alternating the order,
//!   with cold and warm server caches;
//! - a second plain fetch asking for the same attributes as the sync (adding `MODSEQ` and
//!   `BODYSTRUCTURE`), to tell server cost from client cost;
//! - an incremental sync with no changes;
//! - the cache size on disk after the headers, and after fetching every body.
//!
//! "Cold" means: Dovecot stopped, its index files (`dovecot.index*`, `dovecot.list.index*`)
//! deleted (the UID lists stay, so UIDs do not change), the OS page cache dropped when
//! `/proc/sys/vm/drop_caches` is writable, Dovecot started again.
//!
//! Run with `cargo bench -p mailcall-mail --bench sync`. With
//! `MAILCALL_BENCH_CLASSIFY_ONLY=1` the mailbox also has header-less machines and
//! one-off people, and the bench compares warm full syncs with the sender
//! classification on and off (`SyncOptions::classify_senders`), nothing else.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use async_imap::imap_proto::{NameAttribute, Response, Status};
use futures::TryStreamExt;
use mailcall_mail::imap::{client_config, HEADER_FIELDS};
use mailcall_mail::{
    apply_sort_plan, plan_sort, sync_account, Account, ApplyOptions, Connection, MailboxState,
    Password, Rule, RuleSet, Security, Store, SyncEvent, SyncOptions,
};
use mailcall_testkit::dovecot::DovecotLab;
use mailcall_testkit::fixture::Fixture;
use mailcall_testkit::process;
use rustls::pki_types::ServerName;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

const USER: &str = "bench";
const PASSWORD: &str = "bench password";
const SEED: u64 = 2025;
/// Set in a child process: which measurement it runs.
const CHILD: &str = "MAILCALL_BENCH_CHILD";
const RESULT_PREFIX: &str = "bench-result ";

/// What one child run measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Run {
    kind: String,
    secs: f64,
    /// FETCH responses (plain) or header responses (sync) received.
    fetched: u64,
    bodies: u64,
    /// Peak resident set of the child, in kB.
    vm_hwm_kb: u64,
    cache_messages: u64,
    /// Cache database plus WAL, in bytes, as the child saw it before closing the cache.
    cache_bytes: u64,
    /// Every file of the cache's folder once the child has exited (SQLite checkpoints and
    /// removes the WAL when the last connection closes).
    disk_bytes: u64,
    /// Sort runs: messages planned and moved, and the planning part of `secs`.
    #[serde(default)]
    planned: u64,
    #[serde(default)]
    moved: u64,
    #[serde(default)]
    plan_secs: f64,
    /// Sync runs: the part of `secs` spent building the full-text index after each
    /// folder's headers were stored.
    #[serde(default)]
    index_secs: f64,
    /// CPU seconds (user + system) of the child, of its main thread (the connection; for
    /// a sync also the index build), and of the server while the child ran.
    #[serde(default)]
    cpu_secs: f64,
    #[serde(default)]
    cpu_main_secs: f64,
    #[serde(default)]
    server_cpu_secs: f64,
}

/// Where a child finds the lab and its cache.
struct Target {
    host: String,
    port: u16,
    ca: PathBuf,
    cache: PathBuf,
}

impl Target {
    fn from_env() -> Result<Target> {
        let var = |name: &str| std::env::var(name).with_context(|| format!("{name} is not set"));
        Ok(Target {
            host: var("MAILCALL_BENCH_HOST")?,
            port: var("MAILCALL_BENCH_PORT")?.parse()?,
            ca: var("MAILCALL_BENCH_CA")?.into(),
            cache: var("MAILCALL_BENCH_CACHE")?.into(),
        })
    }

    fn account(&self) -> Account {
        let mut a = Account::new("bench", &self.host, USER);
        a.security = Security::Tls;
        a.port = Some(self.port);
        a.ca_file = Some(self.ca.clone());
        a.cache_path = Some(self.cache.clone());
        a.addresses = vec!["me@corp.example".to_owned()];
        a
    }
}

fn cpu_seconds(entry: &str, reaped: bool) -> Result<f64> {
    process::cpu_seconds(entry, reaped).with_context(|| format!("no CPU times in /proc/{entry}"))
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Child side: one measurement, printed as one JSON line.
fn child(kind: &str) -> Result<()> {
    let target = Target::from_env()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut run = match kind {
        "sync" | "bodies" => rt.block_on(sync_child(&target, kind == "bodies", true))?,
        "sync-unclassified" => rt.block_on(sync_child(&target, false, false))?,
        "plain" => rt.block_on(plain_child(&target, false))?,
        "plain-same" => rt.block_on(plain_child(&target, true))?,
        "sort" => rt.block_on(sort_child(&target))?,
        other => bail!("unknown child kind {other}"),
    };
    run.kind = kind.to_owned();
    run.vm_hwm_kb = vm_hwm_kb();
    run.cpu_secs = cpu_seconds("self", false)?;
    run.cpu_main_secs = cpu_seconds(&format!("self/task/{}", std::process::id()), false)?;
    println!("{RESULT_PREFIX}{}", serde_json::to_string(&run)?);
    Ok(())
}

async fn sync_child(target: &Target, bodies: bool, classify_senders: bool) -> Result<Run> {
    let account = target.account();
    let mut store = Store::open(&target.cache, None)?;
    let opts = SyncOptions {
        bodies,
        classify_senders,
        ..SyncOptions::default()
    };
    let cancel = CancellationToken::new();
    // A folder's index build starts once its last header batch is reported stored.
    let mut headers_done = Instant::now();
    let mut index_secs = 0.0;
    let mut progress = |e: SyncEvent| match e {
        SyncEvent::Headers { done, total, .. } if done == total => headers_done = Instant::now(),
        SyncEvent::Indexing { done, total, .. } if done == total => {
            index_secs += headers_done.elapsed().as_secs_f64();
        }
        _ => {}
    };
    let start = Instant::now();
    let report = sync_account(
        &account,
        &Password::new(PASSWORD),
        &mut store,
        &opts,
        &mut progress,
        &cancel,
    )
    .await?;
    let secs = start.elapsed().as_secs_f64();
    let stats = store.stats()?;
    Ok(Run {
        secs,
        index_secs,
        fetched: report.fetched() as u64,
        bodies: report.folders.iter().map(|f| f.bodies as u64).sum(),
        cache_messages: stats.messages,
        cache_bytes: stats.size_bytes,
        ..Run::default()
    })
}

/// Plans and applies a sort moving the oldest two thirds of all messages (as many as
/// INBOX holds) from INBOX to a new folder, on a synced cache.
async fn sort_child(target: &Target) -> Result<Run> {
    let account = target.account();
    let mut store = Store::open(&target.cache, None)?;
    let total = store.stats()?.messages;
    // The rule is "older than a day" relative to a `now` one day after the date of the
    // message the count ends at, so it matches that many of the oldest INBOX messages.
    let cutoff: i64 = {
        let db = rusqlite::Connection::open(&target.cache)?;
        db.query_row(
            "SELECT m.date FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id \
             WHERE b.name = 'INBOX' ORDER BY m.date LIMIT 1 OFFSET \
             min(?1, (SELECT count(*) FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id \
                      WHERE b.name = 'INBOX') - 1)",
            [i64::try_from(total * 2 / 3)?],
            |r| r.get(0),
        )?
    };
    let rules = RuleSet {
        rules: vec![Rule {
            name: Some("oldest".to_owned()),
            older_than_days: Some(1),
            folders: vec!["INBOX".to_owned()],
            ..Rule::to("Sorted")
        }],
    };
    let start = Instant::now();
    let plan = plan_sort(&rules, &store, cutoff + 86_400)?;
    store.save_sort_plan(&plan)?;
    let plan_secs = start.elapsed().as_secs_f64();
    let mut conn = Connection::open(&account, &Password::new(PASSWORD)).await?;
    let mut progress = |_| {};
    let report = apply_sort_plan(
        &mut conn,
        &mut store,
        &plan.id,
        &apply_options(),
        &mut progress,
        &CancellationToken::new(),
    )
    .await?;
    let secs = start.elapsed().as_secs_f64();
    let sorted = conn.select("Sorted", &MailboxState::default()).await?;
    conn.logout().await;
    if report.missing > 0 || u64::from(sorted.exists) != report.moved as u64 {
        bail!(
            "sort: {} moved, {} missing, {} in the target on the server",
            report.moved,
            report.missing,
            sorted.exists
        );
    }
    Ok(Run {
        secs,
        plan_secs,
        planned: plan.total() as u64,
        moved: report.moved as u64,
        ..Run::default()
    })
}

/// The default options unless `MAILCALL_BENCH_SORT_CHUNK` sets the UIDs per `UID MOVE`.
fn apply_options() -> ApplyOptions {
    let mut opts = ApplyOptions::default();
    if let Some(n) = std::env::var("MAILCALL_BENCH_SORT_CHUNK")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        opts.chunk_size = n;
    }
    opts
}

/// A minimal client: the same TLS setup and parser as the sync, every folder fetched with
/// one `UID FETCH 1:*`, each response counted and dropped.
async fn plain_child(target: &Target, same_as_sync: bool) -> Result<Run> {
    let config = client_config(Some(&target.ca))?;
    let start = Instant::now();
    let tcp = tokio::net::TcpStream::connect((target.host.as_str(), target.port)).await?;
    tcp.set_nodelay(true)?;
    let name = ServerName::try_from(target.host.clone())?;
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await?;
    let mut client = async_imap::Client::new(tls);
    client.read_response().await?.context("no greeting")?;
    let mut session = client.login(USER, PASSWORD).await.map_err(|(e, _)| e)?;
    let folders: Vec<String> = session
        .list(Some(""), Some("*"))
        .await?
        .try_filter_map(|n| async move {
            let skip = n.attributes().iter().any(|a| match a {
                NameAttribute::NoSelect => true,
                NameAttribute::Extension(e) => e.eq_ignore_ascii_case("\\NonExistent"),
                _ => false,
            });
            Ok((!skip).then(|| n.name().to_owned()))
        })
        .try_collect()
        .await?;
    let extra = if same_as_sync {
        " MODSEQ BODYSTRUCTURE"
    } else {
        ""
    };
    let command = format!(
        "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE{extra} \
         BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})])"
    );
    let mut fetched = 0;
    for folder in &folders {
        let selected = session.select(folder).await?;
        if selected.exists == 0 {
            continue;
        }
        let id = session.run_command(&command).await?;
        loop {
            let response = session
                .read_response()
                .await?
                .context("connection lost during FETCH")?;
            match response.parsed() {
                Response::Fetch(..) => fetched += 1,
                Response::Done { tag, status, .. } if *tag == id => {
                    if *status != Status::Ok {
                        bail!("FETCH in {folder} failed: {status:?}");
                    }
                    break;
                }
                _ => {}
            }
        }
    }
    session.logout().await?;
    Ok(Run {
        secs: start.elapsed().as_secs_f64(),
        fetched,
        ..Run::default()
    })
}

/// Parent side: the lab, the fixture and the sequence of child runs.
struct Bench {
    lab: DovecotLab,
    ca: PathBuf,
    work: tempfile::TempDir,
    caches: usize,
    dropped_page_cache: bool,
}

impl Bench {
    fn new_cache(&mut self) -> PathBuf {
        self.caches += 1;
        let dir = self.work.path().join(format!("cache-{}", self.caches));
        let _ = std::fs::create_dir_all(&dir);
        dir.join("cache.sqlite")
    }

    fn run(&self, kind: &str, cache: &Path, label: &str) -> Result<Run> {
        let server_before = self.server_cpu()?;
        // The running image, even if the file was rebuilt meanwhile.
        let out = Command::new("/proc/self/exe")
            .env(CHILD, kind)
            .env("MAILCALL_BENCH_HOST", self.lab.host())
            .env("MAILCALL_BENCH_PORT", self.lab.imaps_port().to_string())
            .env("MAILCALL_BENCH_CA", &self.ca)
            .env("MAILCALL_BENCH_CACHE", cache)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!("{label}: child failed ({}): {stdout}", out.status);
        }
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix(RESULT_PREFIX))
            .with_context(|| format!("{label}: no result line in {stdout:?}"))?;
        let mut run: Run = serde_json::from_str(line)?;
        run.server_cpu_secs = self.server_cpu()? - server_before;
        run.disk_bytes = cache.parent().map_or(0, dir_bytes);
        println!(
            "  {label:<28} {:>8.1} s  {:>7} responses  peak RSS {:>6.0} MB  \
             CPU client {:.1} s (main thread {:.1} s), server {:.1} s{}{}",
            run.secs,
            run.fetched,
            run.vm_hwm_kb as f64 / 1024.0,
            run.cpu_secs,
            run.cpu_main_secs,
            run.server_cpu_secs,
            if run.disk_bytes > 0 {
                format!("  cache {:.0} MB on disk", run.disk_bytes as f64 / 1e6)
            } else {
                String::new()
            },
            if run.index_secs > 0.0 {
                format!("  (index build {:.2} s)", run.index_secs)
            } else {
                String::new()
            }
        );
        Ok(run)
    }

    /// The server's CPU seconds so far, once it serves no connection.
    fn server_cpu(&self) -> Result<f64> {
        if !self.lab.wait_idle(std::time::Duration::from_secs(10)) {
            bail!("dovecot still serves a connection: its CPU time would be incomplete");
        }
        self.lab
            .cpu_seconds()
            .context("no CPU times for the dovecot processes")
    }

    /// Stops Dovecot, deletes its indexes, drops the page cache and starts it again.
    fn make_cold(&mut self) -> Result<()> {
        self.lab.stop()?;
        let root = self.lab.maildir(USER);
        let mut dirs = vec![root.clone()];
        for entry in std::fs::read_dir(&root)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() && entry.file_name().to_string_lossy().starts_with('.') {
                dirs.push(entry.path());
            }
        }
        for dir in dirs {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with("dovecot.index") || name.starts_with("dovecot.list.index") {
                    std::fs::remove_file(entry.path())?;
                }
            }
        }
        let _ = Command::new("sync").status();
        self.dropped_page_cache = std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok();
        self.lab.start()
    }
}

fn print_sort(sort: &Run) {
    println!(
        "  sort: {} planned, {} moved; plan {:.1} s + apply {:.1} s = {:.1} s; peak RSS {:.0} MB",
        sort.planned,
        sort.moved,
        sort.plan_secs,
        sort.secs - sort.plan_secs,
        sort.secs,
        sort.vm_hwm_kb as f64 / 1024.0
    );
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// How the classification of a synced cache compares with the fixture's truth: the
/// automated share, and precision and recall of "waiting for my reply".
fn print_accuracy(cache: &Path, manifest: &mailcall_testkit::fixture::Manifest) -> Result<()> {
    let store = Store::open(cache, None)?;
    let truth = manifest
        .senders_truth
        .as_ref()
        .context("the fixture keeps the truth")?;
    let total = (truth.machine + truth.person) as f64;
    let true_share = truth.machine as f64 / total;
    let header_share = manifest.automated as f64 / total;
    let share = store
        .automation_share(mailcall_mail::Period::default())?
        .automated_ratio();
    let want: std::collections::BTreeSet<&str> = manifest
        .unanswered
        .items
        .iter()
        .map(|u| u.last.as_str())
        .collect();
    let got: Vec<String> = store
        .waiting_for_reply(
            &[manifest.me.as_str()],
            mailcall_mail::Period::default(),
            u32::MAX,
        )?
        .into_iter()
        .map(|m| m.message_id)
        .collect();
    let hits = got.iter().filter(|m| want.contains(m.as_str())).count() as f64;
    println!(
        "  automated share {:.2} % (truth {:.2} %, headers alone {:.2} %); waiting for my reply: \
         precision {:.3}, recall {:.3} ({} found, {} true)",
        share * 100.0,
        true_share * 100.0,
        header_share * 100.0,
        hits / got.len().max(1) as f64,
        hits / want.len().max(1) as f64,
        got.len(),
        want.len()
    );
    Ok(())
}

fn main() -> Result<()> {
    if let Ok(kind) = std::env::var(CHILD) {
        return child(&kind);
    }
    let n: u64 = std::env::var("MAILCALL_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000);
    let work = tempfile::Builder::new()
        .prefix("mailcall-sync-bench-")
        .tempdir()?;
    let mut lab = DovecotLab::builder().user(USER, PASSWORD).build()?;
    let start = Instant::now();
    // The sender classification alone, on a mailbox with header-less machines.
    let classify_only = std::env::var_os("MAILCALL_BENCH_CLASSIFY_ONLY").is_some();
    // The accuracy figures of the classification need every unanswered conversation.
    let lists = if classify_only { usize::MAX } else { 1_000 };
    let manifest = Fixture::new(SEED)
        .messages(n)
        .list_limit(lists)
        .unmarked_senders(classify_only)
        .write_maildir_with_manifest(&lab.maildir(USER), &work.path().join("manifest.json"))?;
    let written = start.elapsed();
    lab.fix_ownership()?;
    lab.start()?;
    let ca = work.path().join("lab-ca.pem");
    std::fs::write(&ca, lab.cert_pem())?;
    let mut bench = Bench {
        lab,
        ca,
        work,
        caches: 0,
        dropped_page_cache: false,
    };
    println!(
        "messages: {} in {} folders; Maildir written in {:.1} s",
        manifest.messages,
        manifest.by_folder.len(),
        written.as_secs_f64()
    );

    // Dovecot's first look at the Maildir assigns UIDs; cold runs below keep those.
    println!("first scan:");
    let scratch = bench.new_cache();
    let first = bench.run("plain", &scratch, "plain fetch, first scan")?;
    if first.fetched != manifest.messages {
        bail!(
            "plain fetch saw {} messages, expected {}",
            first.fetched,
            manifest.messages
        );
    }

    if classify_only {
        println!("sender classification: warm full syncs with it on and off");
        // The first full sync after the plain fetch still finds Dovecot building its
        // cache of the fetched fields (about three times the server CPU of later runs);
        // it is run once and not counted, so neither side pays for it.
        let cache = bench.new_cache();
        bench.run("sync-unclassified", &cache, "warm-up, not counted")?;
        let (mut on, mut off) = (Vec::new(), Vec::new());
        let mut classified = None;
        for kind in [
            "sync",
            "sync-unclassified",
            "sync-unclassified",
            "sync",
            "sync",
            "sync-unclassified",
        ] {
            let cache = bench.new_cache();
            let run = bench.run(kind, &cache, &format!("{kind}, warm"))?;
            if kind == "sync" {
                on.push(run.secs);
                classified = Some(cache);
            } else {
                off.push(run.secs);
            }
        }
        let (on, off) = (median(on), median(off));
        println!(
            "  median: classified {on:.2} s / unclassified {off:.2} s = {:.3}",
            on / off
        );
        if let Some(cache) = classified {
            print_accuracy(&cache, &manifest)?;
        }
        return Ok(());
    }

    if std::env::var_os("MAILCALL_BENCH_SORT_ONLY").is_some() {
        println!("sort only: one warm sync, then the sort");
        let cache = bench.new_cache();
        bench.run("sync", &cache, "sync, warm")?;
        let sort = bench.run("sort", &cache, "sort plan + apply")?;
        print_sort(&sort);
        return Ok(());
    }

    let mut pairs: Vec<(&str, Run, Run)> = Vec::new();
    let mut syncs: Vec<Run> = Vec::new();
    println!("cold (index deleted, restarted, page cache dropped if possible):");
    for order in [["sync", "plain"], ["plain", "sync"]] {
        let (mut s, mut p) = (None, None);
        for kind in order {
            bench.make_cold()?;
            let cache = bench.new_cache();
            let run = bench.run(kind, &cache, &format!("{kind}, cold"))?;
            if kind == "sync" {
                s = Some(run);
            } else {
                p = Some(run);
            }
        }
        let (s, p) = (s.context("sync run")?, p.context("plain run")?);
        syncs.push(s.clone());
        pairs.push(("cold", s, p));
    }
    println!(
        "  page cache dropped: {}",
        if bench.dropped_page_cache {
            "yes"
        } else {
            "no"
        }
    );

    println!("warm:");
    let mut same = Vec::new();
    let mut last_cache = PathBuf::new();
    for order in [
        ["sync", "plain", "plain-same"],
        ["plain-same", "plain", "sync"],
    ] {
        let (mut s, mut p) = (None, None);
        for kind in order {
            let cache = bench.new_cache();
            let run = bench.run(kind, &cache, &format!("{kind}, warm"))?;
            match kind {
                "sync" => {
                    last_cache = cache;
                    s = Some(run);
                }
                "plain" => p = Some(run),
                _ => same.push(run),
            }
        }
        let (s, p) = (s.context("sync run")?, p.context("plain run")?);
        syncs.push(s.clone());
        pairs.push(("warm", s, p));
    }
    for s in &syncs {
        if s.cache_messages != manifest.messages {
            bail!(
                "a sync cached {} messages, expected {}",
                s.cache_messages,
                manifest.messages
            );
        }
    }

    println!("incremental, no changes (warm):");
    let incremental: Vec<Run> = (0..3)
        .map(|i| bench.run("sync", &last_cache, &format!("incremental #{}", i + 1)))
        .collect::<Result<_>>()?;

    println!("bodies (warm, every missing body of the last synced cache):");
    let bodies = bench.run("bodies", &last_cache, "bodies")?;

    // Last: it moves messages on the server.
    println!("sort (warm):");
    let sort = bench.run("sort", &last_cache, "sort plan + apply")?;

    println!();
    println!("summary ({} messages):", manifest.messages);
    for (mode, s, p) in &pairs {
        println!(
            "  {mode}: sync {:.1} s (index build {:.2} s) / plain {:.1} s = {:.2}",
            s.secs,
            s.index_secs,
            p.secs,
            s.secs / p.secs
        );
        println!(
            "    CPU: sync client {:.1} s (main thread {:.1} s, cache writer {:.1} s) + server {:.1} s; \
             plain client {:.1} s + server {:.1} s",
            s.cpu_secs,
            s.cpu_main_secs,
            s.cpu_secs - s.cpu_main_secs,
            s.server_cpu_secs,
            p.cpu_secs,
            p.server_cpu_secs
        );
    }
    for r in &same {
        println!("  plain with MODSEQ BODYSTRUCTURE, warm: {:.1} s", r.secs);
    }
    println!(
        "  incremental, no changes: median {:.2} s (runs {})",
        median(incremental.iter().map(|r| r.secs).collect()),
        incremental
            .iter()
            .map(|r| format!("{:.2}", r.secs))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let peak = |runs: &[Run]| runs.iter().map(|r| r.vm_hwm_kb).max().unwrap_or(0) as f64 / 1024.0;
    println!(
        "  peak RSS: full sync {:.0} MB (max of {}), incremental {:.0} MB, bodies {:.0} MB, plain fetch {:.0} MB",
        peak(&syncs),
        syncs.len(),
        peak(&incremental),
        peak(std::slice::from_ref(&bodies)),
        peak(&pairs.iter().map(|(_, _, p)| p.clone()).collect::<Vec<_>>()),
    );
    println!(
        "  cache on disk: headers {:.0} MB; with {} bodies {:.0} MB (bodies took {:.1} s)",
        syncs.last().map_or(0, |s| s.disk_bytes) as f64 / 1e6,
        bodies.bodies,
        bodies.disk_bytes as f64 / 1e6,
        bodies.secs
    );
    print_sort(&sort);
    Ok(())
}
