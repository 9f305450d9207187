//! `mailcall-cli mcp [--http 127.0.0.1:PORT --token-file F]`: serves the chosen account
//! to AI assistants over MCP. Stdout carries the protocol on stdio, so nothing else is
//! printed there; logs go to stderr.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use mailcall_mcp::server::{run as serve, Options};

use crate::args::Cli;

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Streamable HTTP on this loopback address (e.g. 127.0.0.1:8765) instead of stdio.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,
    /// File holding the bearer token HTTP clients must send (else $MAILCALL_MCP_TOKEN).
    #[arg(long, value_name = "FILE", requires = "http")]
    pub token_file: Option<PathBuf>,
}

pub async fn run(args: &McpArgs, cli: &Cli) -> anyhow::Result<()> {
    let options = Options {
        config: cli.config.clone(),
        account: cli.account.clone(),
        http: args.http,
        token_file: args.token_file.clone(),
    };
    let cancel = mailcall_mail::interrupt::cancel_on_ctrl_c();
    serve(&options, cancel).await?;
    Ok(())
}
