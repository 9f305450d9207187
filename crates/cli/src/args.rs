//! The command line: every subcommand and flag of `mailcall-cli`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Mailcall from a terminal: accounts, sync, and reads of the local mail cache.
#[derive(Debug, Parser)]
#[command(name = "mailcall-cli", version, about)]
pub struct Cli {
    /// The account configuration file.
    #[arg(long, global = true, env = "MAILCALL_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The account to use; may be left out when only one is configured.
    #[arg(long, short = 'a', global = true)]
    pub account: Option<String>,
    /// Machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output on stderr (-v info, -vv debug).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list and remove accounts; store passwords in the OS keyring.
    #[command(subcommand)]
    Account(Box<AccountCommand>),
    /// Fetch new mail into the cache.
    Sync {
        /// Also fetch every message body (without marking anything read).
        #[arg(long)]
        bodies: bool,
        /// Keep running and follow INBOX with IDLE (polling every 5 minutes on servers
        /// without it), reconnecting after network failures until Ctrl-C.
        #[arg(long)]
        watch: bool,
        /// Messages per header fetch and cache transaction.
        #[arg(long, default_value_t = 2000)]
        batch: usize,
    },
    /// The cached folders with their message counts.
    Folders,
    /// A page of a folder, newest first.
    List {
        folder: String,
        #[command(flatten)]
        page: PageArgs,
    },
    /// One message: headers and body (fetched on open when missing).
    Show {
        /// The message id shown by list and search.
        message: i64,
        /// Do not connect to fetch a missing body.
        #[arg(long)]
        offline: bool,
    },
    /// Search with the query language (from: to: subject: date: is:unread "phrase" -not ...).
    Search {
        query: String,
        #[command(flatten)]
        page: PageArgs,
        /// Best match first instead of newest first.
        #[arg(long)]
        relevance: bool,
    },
    /// The conversation a message belongs to, oldest first.
    Thread { message: i64 },
    /// Conversations waiting for my reply.
    Waiting {
        /// Start date (YYYY-MM-DD), inclusive.
        #[arg(long)]
        since: Option<String>,
        /// End date (YYYY-MM-DD), exclusive.
        #[arg(long)]
        until: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Who sends the most mail, each address as machine or person; `senders mark`,
    /// `senders show` and `senders list` for the classes themselves.
    #[command(args_conflicts_with_subcommands = true)]
    Senders {
        #[command(subcommand)]
        action: Option<Box<crate::senders::SendersCommand>>,
        /// `30d`, `12m`, `2025`, or `YYYY-MM-DD..YYYY-MM-DD`; everything when left out.
        #[arg(long)]
        period: Option<String>,
        /// Count by address or by domain.
        #[arg(long, value_enum, default_value_t = SenderBy::Address)]
        by: SenderBy,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Counts and size of the cache.
    Stats,
    /// Sort mail into folders by rules: `plan` (a dry run), then `apply PLAN_ID`.
    #[command(subcommand)]
    Sort(Box<crate::sort::SortCommand>),
    /// Move messages to a folder (journalled; sent to the server unless --offline).
    Move(crate::change::MoveArgs),
    /// Add or remove flags (journalled; sent to the server unless --offline).
    Flag(crate::change::FlagArgs),
    /// Send pending local changes (moves, flags, drafts) to the server.
    Replay,
    /// Reply drafts, saved to the Drafts folder. Nothing is ever sent.
    #[command(subcommand)]
    Draft(Box<crate::draft::DraftCommand>),
    /// Janus calls: join headless, rooms, admin API, tokens, load test, pre-flight.
    #[command(subcommand)]
    Call(Box<crate::call::CallCommand>),
    /// Serve the account to AI assistants over MCP (stdio, or --http on loopback).
    Mcp(crate::mcp::McpArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SenderBy {
    Address,
    Domain,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SecurityArg {
    Tls,
    Starttls,
    Plain,
}

#[derive(Debug, Args)]
pub struct PageArgs {
    /// Page number, from 1.
    #[arg(long, default_value_t = 1)]
    pub page: u64,
    /// Messages per page.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add an account to the configuration after checking the server's certificate (then
    /// run `account set-password`).
    Add(Box<AddArgs>),
    /// Read a password (stdin or a prompt), test the login, then store it in the keyring.
    SetPassword {
        name: String,
        /// Read the password from stdin even when it is a terminal.
        #[arg(long)]
        stdin: bool,
    },
    /// Show the certificate an account's server presents now; with `--fingerprint`, trust
    /// exactly that certificate (checked against the server first).
    Trust {
        name: String,
        /// `SHA256:AB:CD:...`, as `account trust NAME` prints it.
        #[arg(long)]
        fingerprint: Option<mailcall_mail::Fingerprint>,
    },
    /// The configured accounts.
    List,
    /// Remove an account and its secrets from the keyring.
    Remove {
        name: String,
        /// Also delete the account's cache file.
        #[arg(long)]
        delete_cache: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    pub name: String,
    #[arg(long)]
    pub host: String,
    #[arg(long)]
    pub port: Option<u16>,
    #[arg(long, value_enum, default_value_t = SecurityArg::Tls)]
    pub security: SecurityArg,
    /// Required with `--security plain`: the password then crosses the network unencrypted.
    #[arg(long)]
    pub allow_plaintext: bool,
    #[arg(long)]
    pub user: String,
    /// My address; repeat for several.
    #[arg(long = "address")]
    pub addresses: Vec<String>,
    /// Extra trusted CA certificates (PEM), e.g. for a self-signed server.
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
    /// Trust exactly the server certificate with this SHA-256 fingerprint and nothing
    /// else (a refused `account add` prints it, with the command to run).
    #[arg(long, value_name = "SHA256:AB:CD:...", conflicts_with = "ca_file")]
    pub trust_fingerprint: Option<mailcall_mail::Fingerprint>,
    /// Add the account without connecting to check the server's certificate.
    #[arg(long)]
    pub no_check: bool,
    #[arg(long)]
    pub cache_path: Option<PathBuf>,
    /// Encrypt the cache; the key is kept in the OS keyring.
    #[arg(long)]
    pub encrypt_cache: bool,
    /// Folder names overriding the server's special-use roles.
    #[arg(long)]
    pub sent: Option<String>,
    #[arg(long)]
    pub drafts: Option<String>,
    #[arg(long)]
    pub trash: Option<String>,
    #[arg(long)]
    pub junk: Option<String>,
    #[arg(long)]
    pub archive: Option<String>,
}
