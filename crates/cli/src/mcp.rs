//! `mailcall-cli mcp [--http 127.0.0.1:PORT --token-file F]`: serves the chosen account
//! to AI assistants over MCP. Stdout carries the protocol on stdio, so nothing else is
//! printed there; logs go to stderr.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use mailcall_mcp::server::{run as serve, Options};
use tokio_util::sync::CancellationToken;

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
    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    serve(&options, cancel).await?;
    Ok(())
}
