//! The read commands: folders, list, show, search, thread, waiting, senders, stats. They
//! read the local cache only, except `show`, which fetches a missing body on open.

use std::path::Path;

use anyhow::Context;
use mailcall_mail::{
    Connection, Keyring, MessageId, MessageSummary, Page, Period, SearchOrder, SenderKey,
    SenderRecord, Store,
};
use serde::Serialize;

use crate::args::{Command, PageArgs, SenderBy};
use crate::output::{cut, date, Output};

pub async fn run(
    cmd: &Command,
    config_path: &Path,
    account: Option<&str>,
    out: &Output,
) -> anyhow::Result<()> {
    let (account, mut store) = crate::cache::account_cache(config_path, account).await?;
    let me = account.my_addresses();
    match cmd {
        Command::Folders => {
            let boxes = store.mailboxes()?;
            out.show(&boxes, |boxes| {
                for b in boxes {
                    let role = b
                        .role
                        .map(|r| format!("{r:?}").to_lowercase())
                        .unwrap_or_default();
                    println!(
                        "{:<24} {:>7} messages {:>6} unread  {role}",
                        b.name, b.total, b.unread
                    );
                }
            })
        }
        Command::List { folder, page } => {
            let id = store
                .mailbox_id(folder)?
                .with_context(|| format!("no folder {folder:?} in the cache"))?;
            let (offset, limit) = paging(page);
            print_page(out, &store.list_messages(id, offset, limit)?)
        }
        Command::Search {
            query,
            page,
            relevance,
        } => {
            let (offset, limit) = paging(page);
            let order = if *relevance {
                SearchOrder::Relevance
            } else {
                SearchOrder::NewestFirst
            };
            print_page(out, &store.search(query, order, offset, limit)?)
        }
        Command::Show { message, offline } => {
            show(&mut store, &account, *message, *offline, out).await
        }
        Command::Thread { message } => {
            let m = store
                .message(MessageId(*message))?
                .with_context(|| format!("no message {message} in the cache"))?;
            let members = store.thread_members(m.summary.thread)?;
            out.show(&members, |ms| ms.iter().for_each(print_summary))
        }
        Command::Waiting {
            since,
            until,
            limit,
        } => {
            let period = Period {
                start: since.as_deref().map(crate::dates::day).transpose()?,
                end: until.as_deref().map(crate::dates::day).transpose()?,
            };
            let rows = store.waiting_for_reply(&me, period, *limit)?;
            let addrs: Vec<&str> = rows.iter().map(|m| m.from.addr.as_str()).collect();
            let classes = store.sender_classes(&addrs)?;
            /// A waiting message and its sender's class.
            #[derive(Serialize)]
            struct Waiting<'a> {
                #[serde(flatten)]
                message: &'a MessageSummary,
                sender: Option<&'a SenderRecord>,
            }
            let rows: Vec<Waiting<'_>> = rows
                .iter()
                .map(|m| Waiting {
                    message: m,
                    sender: classes.get(&m.from.addr),
                })
                .collect();
            out.show(&rows, |ms| {
                for w in ms {
                    print_summary(w.message);
                    if let Some(r) = w.sender {
                        println!("{:>9}{}: {}", "", r.kind.as_str(), why_line(r));
                    }
                }
            })
        }
        Command::Senders {
            period, by, limit, ..
        } => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            let period = period
                .as_deref()
                .map(|p| crate::dates::period(p, now))
                .transpose()?
                .unwrap_or_default();
            let key = match by {
                SenderBy::Address => SenderKey::Address,
                SenderBy::Domain => SenderKey::Domain,
            };
            /// A sender count with the address's class (domains have none).
            #[derive(Serialize)]
            struct Top {
                #[serde(flatten)]
                count: mailcall_mail::SenderCount,
                #[serde(skip_serializing_if = "Option::is_none")]
                class: Option<SenderRecord>,
            }
            #[derive(Serialize)]
            struct Senders {
                top: Vec<Top>,
                automation: mailcall_mail::AutomationShare,
            }
            let counts = store.top_senders(key, &me, period, *limit)?;
            let keys: Vec<&str> = counts.iter().map(|c| c.key.as_str()).collect();
            let mut classes = match key {
                SenderKey::Address => store.sender_classes(&keys)?,
                SenderKey::Domain => Default::default(),
            };
            let s = Senders {
                top: counts
                    .into_iter()
                    .map(|c| {
                        let class = classes.remove(&c.key);
                        Top { count: c, class }
                    })
                    .collect(),
                automation: store.automation_share(period)?,
            };
            out.show(&s, |s| {
                for t in &s.top {
                    match &t.class {
                        Some(r) => println!(
                            "{:>7}  {:<40} {:<8} {}",
                            t.count.count,
                            t.count.key,
                            r.kind.as_str(),
                            why_line(r)
                        ),
                        None => println!("{:>7}  {}", t.count.count, t.count.key),
                    }
                }
                println!(
                    "automated {} / human {}",
                    s.automation.automated, s.automation.human
                );
            })
        }
        Command::Stats => {
            let stats = store.stats()?;
            out.show(&stats, |s| {
                println!(
                    "{} messages in {} folders, {} unread",
                    s.messages, s.mailboxes, s.unread
                );
                println!("{} bodies fetched, {} threads", s.with_body, s.threads);
                println!(
                    "{:.1} MiB on disk (schema {})",
                    s.size_bytes as f64 / 1_048_576.0,
                    s.schema_version
                );
            })
        }
        Command::Account(_) | Command::Sync { .. } => anyhow::bail!("not a read command"),
        Command::Sort(_)
        | Command::Move(_)
        | Command::Flag(_)
        | Command::Replay
        | Command::Draft(_)
        | Command::Call(_)
        | Command::Mcp(_) => anyhow::bail!("not a read command"),
    }
}

/// The reasons of a class on one line.
fn why_line(r: &SenderRecord) -> String {
    let texts: Vec<&str> = r.why.iter().map(|w| w.text.as_str()).collect();
    texts.join("; ")
}

fn paging(p: &PageArgs) -> (u64, u32) {
    (p.page.saturating_sub(1) * u64::from(p.limit), p.limit)
}

fn print_summary(m: &MessageSummary) {
    let unread = if m.flags.seen { ' ' } else { '*' };
    let from = m.from.name.as_deref().unwrap_or(&m.from.addr);
    println!(
        "{:>7} {unread} {}  {:<24}  {}",
        m.id.0,
        date(m.date),
        cut(from, 24),
        cut(&m.subject, 70)
    );
}

fn print_page(out: &Output, page: &Page<MessageSummary>) -> anyhow::Result<()> {
    out.show(page, |p| {
        p.items.iter().for_each(print_summary);
        if p.next_offset.is_some() {
            println!("(more: --page N)");
        }
    })
}

async fn show(
    store: &mut Store,
    account: &mailcall_mail::Account,
    id: i64,
    offline: bool,
    out: &Output,
) -> anyhow::Result<()> {
    let mut m = store
        .message(MessageId(id))?
        .with_context(|| format!("no message {id} in the cache"))?;
    if m.body_text.is_none() && !offline {
        // On open: fetch the body now (BODY.PEEK, so it stays unread on the server).
        let fetched = async {
            let password = Keyring::default().password(&account.name).await?;
            let mut conn = Connection::open(account, &password).await?;
            let n = mailcall_mail::sync::fetch_bodies_of(
                &mut conn,
                store,
                &m.summary.mailbox_name,
                &[m.summary.uid],
            )
            .await?;
            conn.logout().await;
            Ok::<usize, mailcall_mail::Error>(n)
        }
        .await;
        match fetched {
            Ok(_) => m = store.message(MessageId(id))?.unwrap_or(m),
            Err(e) => {
                tracing::warn!(error = %mailcall_mail::sync::error_chain(&e), "cannot fetch the body; showing the cached headers")
            }
        }
    }
    out.show(&m, |m| {
        let s = &m.summary;
        let addr = |a: &mailcall_mail::Address| match &a.name {
            Some(n) => format!("{n} <{}>", a.addr),
            None => a.addr.clone(),
        };
        println!("From:    {}", addr(&s.from));
        if !m.to.is_empty() {
            println!(
                "To:      {}",
                m.to.iter().map(addr).collect::<Vec<_>>().join(", ")
            );
        }
        if !m.cc.is_empty() {
            println!(
                "Cc:      {}",
                m.cc.iter().map(addr).collect::<Vec<_>>().join(", ")
            );
        }
        println!("Date:    {}", date(s.date));
        println!("Subject: {}", s.subject);
        println!("Folder:  {} (uid {})", s.mailbox_name, s.uid.get());
        println!();
        match &m.body_text {
            Some(body) => println!("{body}"),
            None => println!("(body not fetched yet: run `mailcall-cli sync --bodies`)"),
        }
    })
}
