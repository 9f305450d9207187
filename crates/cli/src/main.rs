//! `mailcall-cli`: accounts, sync and reads of the mail cache from a terminal, on the same
//! library as the desktop app and without any GUI library.
//!
//! Output is text for people, or JSON with `--json` (one document on stdout; errors as
//! `{"error": ...}` with a non-zero exit). Secrets are read from stdin or a prompt, go to
//! the OS keyring, and are never printed or logged.

mod account;
mod args;
mod cache;
mod call;
mod change;
mod dates;
mod draft;
mod mcp;
mod output;
mod read;
mod senders;
mod sort;
mod sync;
mod trust;

use clap::Parser;

use args::{Cli, Command};
use output::Output;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    logging(cli.verbose);
    let out = Output { json: cli.json };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            out.error(&anyhow::Error::new(e).context("cannot start the async runtime"));
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&cli, &out)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs to stderr. The subscriber is installed directly rather than with `init()`, which
/// would also forward the `log` crate: async-imap traces raw commands (LOGIN included)
/// through `log`, and those must never reach any output.
fn logging(verbose: u8) {
    let level = match verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        _ => tracing::Level::DEBUG,
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
}

async fn run(cli: &Cli, out: &Output) -> anyhow::Result<()> {
    if let Command::Call(command) = &cli.command {
        return call::run(command, out).await;
    }
    if let Command::Mcp(args) = &cli.command {
        return mcp::run(args, cli).await;
    }
    let config_path = mailcall_mail::Config::path(cli.config.as_deref())?;
    match &cli.command {
        Command::Account(cmd) => account::run(cmd, &config_path, out).await,
        Command::Sync {
            bodies,
            watch,
            batch,
        } => {
            sync::run(
                &config_path,
                cli.account.as_deref(),
                *bodies,
                *watch,
                *batch,
                out,
            )
            .await
        }
        Command::Sort(cmd) => sort::run(cmd, &config_path, cli.account.as_deref(), out).await,
        Command::Move(args) => {
            change::run_move(args, &config_path, cli.account.as_deref(), out).await
        }
        Command::Flag(args) => {
            change::run_flag(args, &config_path, cli.account.as_deref(), out).await
        }
        Command::Replay => change::run_replay(&config_path, cli.account.as_deref(), out).await,
        Command::Draft(cmd) => draft::run(cmd, &config_path, cli.account.as_deref(), out).await,
        Command::Senders {
            action: Some(cmd), ..
        } => senders::run(cmd, &config_path, cli.account.as_deref(), out).await,
        other => read::run(other, &config_path, cli.account.as_deref(), out).await,
    }
}
