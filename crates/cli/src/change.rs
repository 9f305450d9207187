//! `move`, `flag` and `replay`: local changes that go through the offline journal. The
//! cache changes at once (journalled in the same transaction); then, unless `--offline`,
//! every pending change is replayed on the server. When the server cannot be reached
//! the changes stay pending for the next `replay`.

use std::path::Path;

use clap::Args;
use mailcall_mail::{Account, Connection, JournalEntry, Keyring, MessageId, ReplayReport, Store};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::output::Output;

#[derive(Debug, Args)]
pub struct MoveArgs {
    /// Message ids as shown by list and search.
    #[arg(required = true)]
    pub messages: Vec<i64>,
    /// The target folder.
    #[arg(long)]
    pub to: String,
    /// Change the cache only; the server gets it at the next `replay`.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct FlagArgs {
    #[arg(required = true)]
    pub messages: Vec<i64>,
    /// Flags to add: seen, answered, flagged, draft, deleted or a keyword; repeatable.
    #[arg(long = "set")]
    pub set: Vec<String>,
    /// Flags to remove; repeatable.
    #[arg(long = "unset")]
    pub unset: Vec<String>,
    #[arg(long)]
    pub offline: bool,
}

/// What a mutating command did.
#[derive(Debug, Serialize)]
pub struct ChangeReport {
    pub journalled: Vec<JournalEntry>,
    /// `None` with `--offline` or when the server could not be reached.
    pub replay: Option<ReplayReport>,
    /// Why the replay did not happen, when it was tried.
    pub replay_error: Option<String>,
    /// Changes still waiting for the server.
    pub pending: usize,
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A connection for the account, with its password from the keyring.
pub async fn connect(account: &Account) -> mailcall_mail::Result<Connection> {
    let password = Keyring::default().password(&account.name).await?;
    Connection::open(account, &password).await
}

/// Replays every pending change; a transient failure (server unreachable) is returned
/// as text so the caller can report the changes as pending.
async fn replay_pending(
    account: &Account,
    store: &mut Store,
) -> anyhow::Result<(Option<ReplayReport>, Option<String>)> {
    let cancel = CancellationToken::new();
    let result = async {
        let mut conn = connect(account).await?;
        let report = mailcall_mail::replay(&mut conn, store, &cancel).await?;
        conn.logout().await;
        Ok::<_, mailcall_mail::Error>(report)
    }
    .await;
    match result {
        Ok(r) => Ok((Some(r), None)),
        Err(e) if e.is_transient() => Ok((None, Some(mailcall_mail::sync::error_chain(&e)))),
        Err(e) => Err(e.into()),
    }
}

/// Replays unless offline, then prints what happened.
pub async fn finish(
    account: &Account,
    store: &mut Store,
    journalled: Vec<JournalEntry>,
    offline: bool,
    out: &Output,
) -> anyhow::Result<()> {
    let (replay, replay_error) = if offline {
        (None, None)
    } else {
        replay_pending(account, store).await?
    };
    let report = ChangeReport {
        journalled,
        replay,
        replay_error,
        pending: store.pending_changes()?.len(),
    };
    out.show(&report, |r| {
        for e in &r.journalled {
            println!("journalled #{} {:?} {}", e.id, e.kind, e.message_id);
        }
        if let Some(rep) = &r.replay {
            print_replay(rep);
        }
        if let Some(err) = &r.replay_error {
            println!("server not reachable ({err}); run `mailcall-cli replay` later");
        }
        if r.pending > 0 {
            println!("{} change(s) waiting for the server", r.pending);
        }
    })
}

pub fn print_replay(r: &ReplayReport) {
    for n in &r.notes {
        match &n.outcome {
            mailcall_mail::ReplayOutcome::Applied { new_uid } => {
                let uid = new_uid.map(|u| format!(" (new UID {})", u.get()));
                println!("applied #{} {:?}{}", n.id, n.kind, uid.unwrap_or_default());
            }
            mailcall_mail::ReplayOutcome::Dropped { reason } => {
                println!("dropped #{} {:?} {}: {reason}", n.id, n.kind, n.message_id);
            }
        }
    }
    println!("{} applied, {} dropped", r.applied, r.dropped);
}

pub async fn run_move(
    args: &MoveArgs,
    config_path: &Path,
    account: Option<&str>,
    out: &Output,
) -> anyhow::Result<()> {
    let (account, mut store) = crate::cache::account_cache(config_path, account).await?;
    let now = now();
    let mut journalled = Vec::new();
    for &m in &args.messages {
        journalled.push(store.journal_move(MessageId(m), &args.to, now)?);
    }
    finish(&account, &mut store, journalled, args.offline, out).await
}

pub async fn run_flag(
    args: &FlagArgs,
    config_path: &Path,
    account: Option<&str>,
    out: &Output,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        !args.set.is_empty() || !args.unset.is_empty(),
        "give at least one --set or --unset"
    );
    let (account, mut store) = crate::cache::account_cache(config_path, account).await?;
    let now = now();
    let mut journalled = Vec::new();
    for &m in &args.messages {
        journalled.push(store.journal_flags(MessageId(m), &args.set, &args.unset, now)?);
    }
    finish(&account, &mut store, journalled, args.offline, out).await
}

pub async fn run_replay(
    config_path: &Path,
    account: Option<&str>,
    out: &Output,
) -> anyhow::Result<()> {
    let (account, mut store) = crate::cache::account_cache(config_path, account).await?;
    let mut conn = connect(&account).await?;
    let cancel = CancellationToken::new();
    let report = mailcall_mail::replay(&mut conn, &mut store, &cancel).await?;
    conn.logout().await;
    out.show(&report, print_replay)
}
