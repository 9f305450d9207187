//! `mailcall-cli sync [--bodies] [--watch]`: fills the cache, with a progress bar on a
//! terminal; Ctrl-C stops cleanly (what was stored stays stored, the next run resumes).
//! `--watch` runs the account as the app does ([`MailService`]): a sync, then IDLE on
//! INBOX, reconnecting for as long as it runs.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mailcall_mail::{
    sync_account, CacheAccess, Keyring, MailService, ServiceEvent, SyncEvent, SyncOptions, Task,
};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::output::Output;

/// Draws sync events on one progress bar.
fn painter(out: &Output) -> (ProgressBar, impl FnMut(SyncEvent) + Send) {
    let bar = ProgressBar::new(0);
    if out.json || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    let b = bar.clone();
    let json = out.json;
    let paint = move |e: SyncEvent| match e {
        SyncEvent::Connected { host } => b.set_message(format!("connected to {host}")),
        SyncEvent::FolderStarted { folder, index, of } => {
            b.set_prefix("headers");
            b.set_length(0);
            b.set_position(0);
            b.set_message(format!("{folder} ({}/{of})", index + 1));
        }
        SyncEvent::Headers {
            folder,
            done,
            total,
        }
        | SyncEvent::Bodies {
            folder,
            done,
            total,
        } => {
            b.set_length(total as u64);
            b.set_position(done as u64);
            b.set_message(folder);
        }
        SyncEvent::Retrying {
            attempt,
            delay_ms,
            error,
        } if !json => {
            b.println(format!(
                "connection lost ({error}); retry {attempt} in {delay_ms} ms"
            ));
        }
        SyncEvent::Idle { folder } => {
            b.set_prefix("watching");
            b.set_message(format!("{folder} (IDLE)"));
        }
        SyncEvent::Changed { folder } => b.set_message(format!("{folder} changed")),
        _ => {}
    };
    (bar, paint)
}

/// Paints the service's events until Ctrl-C, or until watching fails for good.
async fn follow(
    service: &MailService,
    bar: &ProgressBar,
    paint: &mut impl FnMut(SyncEvent),
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let mut events = service.events();
    loop {
        let event = tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            e = events.recv() => e,
        };
        match event {
            Ok(ServiceEvent::Sync(e)) => paint(e),
            Ok(ServiceEvent::Failed {
                task: Task::Watch,
                error,
            }) => anyhow::bail!("stopped watching INBOX: {error}"),
            Ok(ServiceEvent::Failed { task, error }) => {
                bar.println(format!("{task} failed: {error}"));
            }
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return Ok(()),
        }
    }
}

pub async fn run(
    config_path: &Path,
    account: Option<&str>,
    bodies: bool,
    watch: bool,
    batch: usize,
    out: &Output,
) -> anyhow::Result<()> {
    let (_, account) = crate::cache::account(config_path, account)?;
    let password = Keyring::default().password(&account.name).await?;
    let opts = SyncOptions {
        batch_size: batch,
        bodies,
        ..SyncOptions::default()
    };
    let cancel = mailcall_mail::interrupt::cancel_on_ctrl_c();
    let (bar, mut paint) = painter(out);
    if watch {
        let cache = CacheAccess::of(&account, &Keyring::default(), true).await?;
        let service = MailService::start(account, password, &cache, opts)?;
        let result = follow(&service, &bar, &mut paint, &cancel).await;
        bar.finish_and_clear();
        service.stop().await;
        return result;
    }
    let mut store = crate::cache::open(&account, true).await?;
    let report = sync_account(&account, &password, &mut store, &opts, &mut paint, &cancel).await;
    bar.finish_and_clear();
    let report = report?;
    out.show(&report, |r| {
        for f in &r.folders {
            let cleared = if f.cleared {
                " (UIDVALIDITY changed: refetched)"
            } else {
                ""
            };
            println!(
                "{:<20} +{} new, {} flag changes, -{} removed, {} bodies{cleared}",
                f.folder, f.inserted, f.flags_updated, f.removed, f.bodies
            );
        }
        for gone in &r.deleted_folders {
            println!("{gone:<20} removed from the server; dropped from the cache");
        }
    })
}
