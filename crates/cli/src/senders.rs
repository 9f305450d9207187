//! `senders mark|show|list`: each sender's class (machine or person) and why, and a
//! person's override of it. Local to the cache: nothing is sent to the server.

use std::path::Path;

use anyhow::Context;
use clap::{Args, Subcommand};
use mailcall_mail::{Mark, SenderKind, SenderRecord};

use crate::output::{cut, Output};

#[derive(Debug, Subcommand)]
pub enum SendersCommand {
    /// Say what a sender is; its messages follow at once (waiting, is:automated, reports).
    Mark(MarkArgs),
    /// A sender's class and the reasons for it.
    Show { address: String },
    /// Classified senders, most mail first.
    List {
        /// Only machines.
        #[arg(long, conflicts_with = "people")]
        machines: bool,
        /// Only people.
        #[arg(long)]
        people: bool,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Decide every sender again from all cached mail (overrides are kept).
    Reclassify,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("mark").required(true).multiple(false)))]
pub struct MarkArgs {
    pub address: String,
    /// A person: their mail counts as human and can wait for my reply.
    #[arg(long, group = "mark")]
    pub person: bool,
    /// A machine: their mail counts as automated.
    #[arg(long, group = "mark")]
    pub machine: bool,
    /// Forget the override; the evidence decides.
    #[arg(long, group = "mark")]
    pub auto: bool,
}

pub async fn run(
    cmd: &SendersCommand,
    config_path: &Path,
    account: Option<&str>,
    out: &Output,
) -> anyhow::Result<()> {
    let (account, mut store) = crate::cache::account_cache(config_path, account).await?;
    let me = account.my_addresses();
    match cmd {
        SendersCommand::Mark(a) => {
            if !a.address.contains('@') {
                anyhow::bail!("{:?} is not an email address", a.address);
            }
            let mark = if a.person {
                Mark::Person
            } else if a.machine {
                Mark::Machine
            } else {
                Mark::Auto
            };
            let r = store.mark_sender(&a.address, mark, &me)?;
            out.show(&r, print_record)
        }
        SendersCommand::Show { address } => {
            let r = store
                .sender(address)?
                .with_context(|| format!("no mail from {address} in the cache"))?;
            out.show(&r, print_record)
        }
        SendersCommand::List {
            machines,
            people,
            limit,
        } => {
            let kind = match (machines, people) {
                (true, _) => Some(SenderKind::Machine),
                (_, true) => Some(SenderKind::Person),
                _ => None,
            };
            let rows = store.senders(kind, *limit)?;
            out.show(&rows, |rows| {
                for r in rows {
                    println!(
                        "{:>7}  {:<8}{} {:<40}  {}",
                        r.messages,
                        r.kind.as_str(),
                        if r.overridden.is_some() { '!' } else { ' ' },
                        cut(&r.address, 40),
                        r.why.first().map_or("", |w| w.text.as_str())
                    );
                }
            })
        }
        SendersCommand::Reclassify => {
            let r = store.reclassify_senders(&me)?;
            out.show(&r, |r| {
                println!(
                    "{} senders decided, {} changed class, {} messages updated",
                    r.senders, r.changed, r.rows_updated
                );
            })
        }
    }
}

/// One sender: class, whether a person set it, and every reason.
pub fn print_record(r: &SenderRecord) {
    let by = if r.overridden.is_some() {
        format!(" (set by you; the evidence says {})", r.decided.as_str())
    } else {
        String::new()
    };
    println!(
        "{}: {}{by}, {} messages",
        r.address,
        r.kind.as_str(),
        r.messages
    );
    for w in &r.why {
        println!("  - {}", w.text);
    }
}
