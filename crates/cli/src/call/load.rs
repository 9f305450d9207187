//! `call loadtest`: headless participants in one process; join and first-RTP percentiles.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use mailcall_call::loadtest::{self, LoadConfig};
use mailcall_janus::RoomId;
use mailcall_rtc::MediaSamples;

use crate::output::Output;

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Janus API URL.
    #[arg(long)]
    pub server: String,
    #[arg(long, default_value_t = 20)]
    pub participants: usize,
    /// How many of the participants publish.
    #[arg(long, default_value_t = 2)]
    pub publishers: usize,
    /// Seconds everybody stays after joining.
    #[arg(long, default_value_t = 5)]
    pub duration: u64,
    /// An existing room; a temporary one is made (and destroyed) when left out.
    #[arg(long)]
    pub room: Option<u64>,
    #[arg(long, env = "MAILCALL_JANUS_ADMIN_KEY")]
    pub admin_key: Option<String>,
    /// Seconds each participant has to join and receive media.
    #[arg(long, default_value_t = 30)]
    pub deadline: u64,
    #[arg(long)]
    pub bind: Option<IpAddr>,
}

pub async fn run(args: &LoadArgs, out: &Output) -> anyhow::Result<()> {
    let config = LoadConfig {
        server: args.server.clone(),
        room: args.room.map(RoomId),
        admin_key: args.admin_key.clone(),
        participants: args.participants,
        publishers: args.publishers,
        bind_ip: super::bind_ip(args.bind, &args.server)?,
        hold: Duration::from_secs(args.duration),
        deadline: Duration::from_secs(args.deadline),
        samples: Arc::new(MediaSamples::builtin()?),
    };
    let report = loadtest::run(config).await?;
    out.show(&report, |r| {
        println!(
            "{} participants ({} publishing): {} joined, {} failures",
            r.participants,
            r.publishers,
            r.join.count,
            r.failures.len()
        );
        println!(
            "join       p50 {:7.1} ms  p95 {:7.1} ms  max {:7.1} ms",
            r.join.p50_ms, r.join.p95_ms, r.join.max_ms
        );
        println!(
            "first RTP  p50 {:7.1} ms  p95 {:7.1} ms  max {:7.1} ms ({} participants)",
            r.first_rtp.p50_ms, r.first_rtp.p95_ms, r.first_rtp.max_ms, r.first_rtp.count
        );
        for f in &r.failures {
            println!("failure: {f}");
        }
    })?;
    if !report.failures.is_empty() {
        anyhow::bail!("{} participants failed", report.failures.len());
    }
    Ok(())
}
