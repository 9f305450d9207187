//! `mailcall-cli call …`: join a Janus VideoRoom headless, administer rooms and the server,
//! sign tokens, load-test and pre-flight a server before an all-hands.

mod admin;
mod join;
mod load;
mod preflight;
mod room;

use std::net::IpAddr;

use clap::{Args, Subcommand};

use crate::output::Output;

#[derive(Debug, Subcommand)]
pub enum CallCommand {
    /// Join a room headless (attendee by default) and print what happens.
    Join(join::JoinArgs),
    /// Create, list, inspect, destroy and moderate rooms.
    #[command(subcommand)]
    Room(room::RoomCommand),
    /// The Janus admin API: sessions, handles, draining, stored tokens.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Signed tokens.
    #[command(subcommand)]
    Token(admin::TokenCommand),
    /// Many headless participants in one process; exits non-zero on failures.
    Loadtest(load::LoadArgs),
    /// Checks a server before a call: limits, Janus info, transports, ICE, admin API.
    Preflight(preflight::PreflightArgs),
}

/// Where Janus is.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Janus API URL (`ws://host:8188`, `http://host:8088/janus`); repeat for fallbacks.
    #[arg(long = "server", required = true)]
    pub servers: Vec<String>,
    /// Token sent on every request (and as the room token).
    #[arg(long, env = "MAILCALL_JANUS_TOKEN")]
    pub token: Option<String>,
}

/// Local address for media; found from the route to the server when left out.
pub fn bind_ip(given: Option<IpAddr>, server: &str) -> anyhow::Result<IpAddr> {
    match given {
        Some(ip) => Ok(ip),
        None => Ok(mailcall_call::preflight::local_ip_towards(server)?),
    }
}

pub async fn run(command: &CallCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        CallCommand::Join(args) => join::run(args, out).await,
        CallCommand::Room(command) => room::run(command, out).await,
        CallCommand::Admin(command) => admin::run(command, out).await,
        CallCommand::Token(command) => admin::run_token(command, out),
        CallCommand::Loadtest(args) => load::run(args, out).await,
        CallCommand::Preflight(args) => preflight::run(args, out).await,
    }
}
