//! `mailcall-demo`: the servers behind `make demo`, and the app's configuration for them.
//!
//! Starts, on this machine only:
//! - Dovecot on 127.0.0.1 with a generated mailbox ([`mailbox`]);
//! - a Secret Service on a private session bus when the session has none ([`secrets`]);
//! - Janus in a network namespace with an all-hands room in which a few speakers take turns
//!   and attendees listen ([`allhands`]).
//!
//! Then it writes the app's configuration into a private folder (the demo account with its
//! server's certificate pinned by fingerprint; its password goes to the keyring, never to a
//! file) and, in `--out`: `demo.env` (the environment to start the app with), `demo.json`
//! (what a script or a test needs) and `call-server.json` (the all-hands server: the app
//! keeps no call servers yet). It runs until SIGINT or SIGTERM, or until the process that
//! started it is gone, then stops everything it started and removes its files.

/// A progress line on stderr, `demo: ...`; a closed stderr is not worth failing for.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "demo: {}", format_args!($($arg)*));
    }};
}

mod allhands;
mod mailbox;
mod output;
mod samples;
mod secrets;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use tempfile::TempDir;
use tokio::signal::unix::{signal, SignalKind};

use crate::allhands::AllHands;
use crate::mailbox::Mailbox;
use crate::secrets::Secrets;

/// Local servers for trying Mailcall, and the app's configuration for them.
#[derive(Debug, Parser)]
#[command(name = "mailcall-demo")]
struct Args {
    /// Messages in the generated mailbox, all folders together.
    #[arg(long, env = "MAILCALL_DEMO_MESSAGES", default_value_t = 50_000)]
    messages: u64,
    /// Seed of the generated mailbox.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
    /// Headless attendees in the all-hands.
    #[arg(long, default_value_t = 50)]
    attendees: usize,
    /// Headless speakers taking turns (at most as many as there are voices).
    #[arg(long, default_value_t = 3)]
    speakers: usize,
    /// Seconds each speaker talks before the next one takes over.
    #[arg(long, default_value_t = 8)]
    turn: u64,
    /// Where demo.env, demo.json and call-server.json are written.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    // Dropping the runtime waits for blocking setup still running (a lab being made), whose
    // result is then dropped, which stops its server: an early Ctrl-C leaves nothing behind.
    runtime.block_on(async {
        let stop = stopped()?;
        tokio::pin!(stop);
        let demo = tokio::select! {
            demo = Demo::start(&args) => demo?,
            () = &mut stop => {
                say!("stopped while starting");
                return Ok(());
            }
        };
        say!("ready; {} attendees joining", args.attendees);
        // SIGUSR1 restarts Janus (down for two seconds, as a crashed server would be), to
        // watch every call come back by itself.
        let mut restart = signal(SignalKind::user_defined1())?;
        let mut demo = demo;
        loop {
            tokio::select! {
                () = &mut stop => break,
                _ = restart.recv() => match demo.allhands.restart_janus(Duration::from_secs(2)) {
                    Ok(()) => say!("Janus restarted; the calls rejoin by themselves"),
                    Err(e) => say!("Janus did not restart: {e:#}"),
                },
            }
        }
        say!("stopping");
        demo.stop().await;
        say!("stopped the servers and removed the demo's files");
        Ok(())
    })
}

/// Everything the demo started; dropping it stops the servers and removes the files.
struct Demo {
    allhands: AllHands,
    account: mailcall_mail::Account,
    secrets: Secrets,
    // Dropped after the labs above, whose folders live elsewhere.
    _mailbox: Mailbox,
    _home: TempDir,
}

impl Demo {
    async fn start(args: &Args) -> Result<Demo> {
        output::clear(&args.out)?;
        let home = tempfile::Builder::new()
            .prefix("mailcall-demo-")
            .tempdir()
            .context("cannot create the demo's private folder")?;
        let secrets = blocking(Secrets::start).await?;
        say!("passwords go to {}", secrets.describe());
        let (messages, seed) = (args.messages, args.seed);
        say!("generating {messages} messages and starting Dovecot");
        let mailbox = blocking(move || Mailbox::start(messages, seed)).await?;
        say!("starting Janus and the all-hands");
        let mut allhands = AllHands::start(home.path().join("samples"), args.speakers).await?;
        let account = mailbox.account(home.path());
        let config = home.path().join("config/mailcall/config.toml");
        mailcall_mail::Config {
            accounts: vec![account.clone()],
        }
        .save(&config)?;
        // The last step that can fail: the session's own keyring, if used, is not left
        // holding the demo's password when something before it failed.
        secrets.store(&account, &mailbox.password()).await?;
        let ready = output::Ready {
            home: home.path(),
            config: &config,
            mailbox: &mailbox,
            secrets: &secrets,
            allhands: &allhands,
            attendees: args.attendees,
        };
        if let Err(e) = ready.write(&args.out) {
            let _ = secrets.forget(&account).await;
            return Err(e);
        }
        ready.announce(&args.out);
        allhands.admit(args.attendees);
        allhands.take_turns(Duration::from_secs(args.turn));
        Ok(Demo {
            allhands,
            account,
            secrets,
            _mailbox: mailbox,
            _home: home,
        })
    }

    async fn stop(self) {
        self.allhands.stop().await;
        if let Err(e) = self.secrets.forget(&self.account).await {
            say!("{e:#}");
        }
    }
}

/// Runs blocking setup (a lab starting) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .context("a setup task failed")?
}

/// Resolves on SIGINT, SIGTERM or SIGHUP, or when the parent process is gone (the script
/// that started the demo was killed), whichever comes first.
fn stopped() -> Result<impl std::future::Future<Output = ()>> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let parent = std::os::unix::process::parent_id();
    Ok(async move {
        let orphaned = async {
            while std::os::unix::process::parent_id() == parent {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        };
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
            _ = hangup.recv() => {}
            () = orphaned => {}
        }
    })
}
