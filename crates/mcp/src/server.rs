//! Starting the bridge for one configured account on the chosen transport; shared by
//! `mailcall-cli mcp` and the `mailcall-mcp` binary.

use std::net::SocketAddr;
use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use crate::transport::{serve_stdio, HttpListener};
use crate::{Bridge, Cache};

/// Environment variable holding the HTTP bearer token when no token file is given.
pub const TOKEN_ENV: &str = "MAILCALL_MCP_TOKEN";

/// What to serve and how.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The configuration file; the default location when `None`.
    pub config: Option<PathBuf>,
    /// The account; may be left out when only one is configured.
    pub account: Option<String>,
    /// Streamable HTTP on this loopback address instead of stdio.
    pub http: Option<SocketAddr>,
    /// File holding the bearer token (else [`TOKEN_ENV`]).
    pub token_file: Option<PathBuf>,
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    #[error(transparent)]
    Mail(#[from] mailcall_mail::Error),
    #[error(transparent)]
    Bridge(#[from] crate::Error),
    #[error(transparent)]
    Transport(#[from] crate::transport::TransportError),
    #[error("cannot read the token file {path}")]
    TokenFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("HTTP needs a bearer token: give --token-file FILE or set {TOKEN_ENV}")]
    NoToken,
}

/// Opens the account's cache and serves until the client leaves (stdio) or `cancel`
/// fires (HTTP).
pub async fn run(options: &Options, cancel: CancellationToken) -> Result<(), StartError> {
    let path = mailcall_mail::Config::path(options.config.as_deref())?;
    let config = mailcall_mail::Config::load(&path)?;
    let account = config.pick(options.account.as_deref())?.clone();
    let Some(addr) = options.http else {
        let cache = Cache::open(account).await?;
        serve_stdio(Bridge::new(cache).with_config(path)).await?;
        return Ok(());
    };
    let token = match &options.token_file {
        Some(file) => std::fs::read_to_string(file).map_err(|source| StartError::TokenFile {
            path: file.clone(),
            source,
        })?,
        None => std::env::var(TOKEN_ENV).map_err(|_| StartError::NoToken)?,
    };
    let listener = HttpListener::bind(addr, &token).await?;
    let cache = Cache::open(account).await?;
    let bound = listener
        .local_addr()
        .map_err(|source| crate::transport::TransportError::Bind { addr, source })?;
    // On stderr so a parent process can read the port when it asked for port 0.
    eprintln!("mailcall mcp listening on http://{bound}/mcp");
    listener
        .serve(Bridge::new(cache).with_config(path), cancel)
        .await?;
    Ok(())
}
