//! `call admin …` (the Janus admin API) and `call token sign`.

use std::time::Duration;

use clap::{Args, Subcommand};
use mailcall_janus::admin::Admin;
use mailcall_janus::{token, HandleId, RoomId, SessionId};
use serde_json::json;

use crate::output::Output;

#[derive(Debug, Args)]
pub struct AdminAt {
    /// Admin API URL (`http://host:7088/admin`).
    #[arg(long)]
    pub admin: String,
    #[arg(long, env = "MAILCALL_JANUS_ADMIN_SECRET")]
    pub admin_secret: String,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Sessions and their handles.
    Sessions {
        #[command(flatten)]
        at: AdminAt,
    },
    /// Everything Janus knows about one handle (ICE, DTLS, streams).
    HandleInfo {
        #[command(flatten)]
        at: AdminAt,
        #[arg(long)]
        session: u64,
        #[arg(long)]
        handle: u64,
    },
    /// Stop accepting new sessions (or with --undo accept them again) before maintenance.
    Drain {
        #[command(flatten)]
        at: AdminAt,
        #[arg(long)]
        undo: bool,
    },
    /// Stored tokens: list, or add/remove one.
    Tokens {
        #[command(flatten)]
        at: AdminAt,
        #[arg(long, conflicts_with = "remove")]
        add: Option<String>,
        #[arg(long)]
        remove: Option<String>,
        /// Plugins an added token may use.
        #[arg(long, default_value = "janus.plugin.videoroom")]
        plugin: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// An HMAC-SHA1 signed token (`token_auth_secret`); a room token with --room.
    Sign {
        #[arg(long, env = "MAILCALL_JANUS_TOKEN_SECRET")]
        secret: String,
        #[arg(long, default_value = "janus.plugin.videoroom")]
        plugin: Vec<String>,
        #[arg(long)]
        room: Option<u64>,
        /// Validity: `90s`, `30m`, `1h`, `2d`.
        #[arg(long, default_value = "1h")]
        valid: String,
    },
}

fn duration(text: &str) -> anyhow::Result<Duration> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (n, unit) = text.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid duration {text:?}"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => anyhow::bail!("invalid duration unit in {text:?} (s, m, h, d)"),
    };
    Ok(Duration::from_secs(secs))
}

pub fn run_token(command: &TokenCommand, out: &Output) -> anyhow::Result<()> {
    let TokenCommand::Sign {
        secret,
        plugin,
        room,
        valid,
    } = command;
    let expiry = token::expiry_in(duration(valid)?);
    let signed = match room {
        Some(room) => token::room_token(secret, expiry, RoomId(*room)),
        None => {
            let plugins: Vec<&str> = plugin.iter().map(String::as_str).collect();
            token::core_token(secret, expiry, &plugins)
        }
    };
    out.show(&json!({ "token": signed, "expiry": expiry }), |_| {
        println!("{signed}")
    })
}

pub async fn run(command: &AdminCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        AdminCommand::Sessions { at } => {
            let admin = Admin::new(&at.admin, &at.admin_secret);
            let mut rows = Vec::new();
            for session in admin.list_sessions().await? {
                let handles = admin.list_handles(session).await.unwrap_or_default();
                rows.push(json!({ "session": session, "handles": handles }));
            }
            out.show(&rows, |rows| {
                println!("{} sessions", rows.len());
                for r in rows {
                    println!("  {}  handles {}", r["session"], r["handles"]);
                }
            })
        }
        AdminCommand::HandleInfo {
            at,
            session,
            handle,
        } => {
            let admin = Admin::new(&at.admin, &at.admin_secret);
            let info = admin
                .handle_info(SessionId(*session), HandleId(*handle))
                .await?;
            out.show(&info, |info| {
                println!("{}", serde_json::to_string_pretty(info).unwrap_or_default())
            })
        }
        AdminCommand::Drain { at, undo } => {
            let admin = Admin::new(&at.admin, &at.admin_secret);
            let accepting = admin.accept_new_sessions(*undo).await?;
            out.show(&json!({ "accepting_new_sessions": accepting }), |_| {
                println!(
                    "{}",
                    if accepting {
                        "accepting new sessions"
                    } else {
                        "draining: new sessions refused"
                    }
                )
            })
        }
        AdminCommand::Tokens {
            at,
            add,
            remove,
            plugin,
        } => {
            let admin = Admin::new(&at.admin, &at.admin_secret);
            let plugins: Vec<&str> = plugin.iter().map(String::as_str).collect();
            if let Some(token) = add {
                admin.add_token(token, &plugins).await?;
            }
            if let Some(token) = remove {
                admin.remove_token(token).await?;
            }
            let tokens = admin.list_tokens().await?;
            let rows: Vec<_> = tokens
                .iter()
                .map(|t| json!({ "token": t.token, "allowed_plugins": t.allowed_plugins }))
                .collect();
            out.show(&rows, |rows| {
                for r in rows {
                    println!("{}  {}", r["token"], r["allowed_plugins"]);
                }
            })
        }
    }
}
