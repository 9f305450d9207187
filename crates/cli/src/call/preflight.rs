//! `call preflight`: a pass/warn/fail report on a server before a call; exits non-zero on a
//! failure (warnings pass).

use std::net::IpAddr;

use clap::Args;
use mailcall_call::preflight::{self, PreflightConfig, Verdict};
use mailcall_rtc::IceServer;

use crate::output::Output;

#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// Janus API URLs to check (`http://…/janus`, `ws://…`); repeat for each transport.
    #[arg(long = "server", required = true)]
    pub servers: Vec<String>,
    /// Admin API URL.
    #[arg(long, requires = "admin_secret")]
    pub admin: Option<String>,
    #[arg(long, env = "MAILCALL_JANUS_ADMIN_SECRET")]
    pub admin_secret: Option<String>,
    /// The plugin's `admin_key`, needed for the temporary ICE-check room on some servers.
    #[arg(long, env = "MAILCALL_JANUS_ADMIN_KEY")]
    pub admin_key: Option<String>,
    #[arg(long, default_value_t = 700)]
    pub expected_audience: u64,
    /// STUN server (`host:port` or `stun:host:port`): gets a Binding request and is used by the
    /// ICE check; repeatable.
    #[arg(long)]
    pub stun: Vec<String>,
    /// TURN server URL (`turn:host:port?transport=udp`, or `host:port`): used by the ICE check
    /// and checked alone with a relay-only connection; repeatable, all with the same credential.
    #[arg(long, requires_all = ["turn_user", "turn_credential"])]
    pub turn: Vec<String>,
    /// TURN long-term credential user name.
    #[arg(long, env = "MAILCALL_TURN_USER")]
    pub turn_user: Option<String>,
    /// TURN long-term credential password.
    #[arg(long, env = "MAILCALL_TURN_CREDENTIAL", hide_env_values = true)]
    pub turn_credential: Option<String>,
    #[arg(long)]
    pub bind: Option<IpAddr>,
}

pub async fn run(args: &PreflightArgs, out: &Output) -> anyhow::Result<()> {
    let config = PreflightConfig {
        servers: args.servers.clone(),
        admin: args.admin.clone().zip(args.admin_secret.clone()),
        admin_key: args.admin_key.clone(),
        expected_audience: args.expected_audience,
        stun: args.stun.clone(),
        turn: args
            .turn
            .iter()
            .map(|url| {
                IceServer::turn(
                    url,
                    args.turn_user.as_deref().unwrap_or_default(),
                    args.turn_credential.as_deref().unwrap_or_default(),
                )
            })
            .collect(),
        bind_ip: args.bind,
    };
    let report = preflight::run(config).await;
    out.show(&report, |r| {
        for c in &r.checks {
            let mark = match c.verdict {
                Verdict::Pass => "pass",
                Verdict::Warn => "WARN",
                Verdict::Fail => "FAIL",
            };
            println!("{mark}  {:<12} {}", c.name, c.detail);
        }
    })?;
    if report.verdict == Verdict::Fail {
        anyhow::bail!("pre-flight failed");
    }
    Ok(())
}
