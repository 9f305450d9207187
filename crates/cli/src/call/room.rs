//! `call room …`: VideoRoom administration over one short session.

use clap::{Args, Subcommand};
use mailcall_janus::videoroom::{
    CreateRoom, DestroyRoom, EnableRecording, Kick, Moderate, Rooms, PLUGIN,
};
use mailcall_janus::{FeedId, RoomId, Session, SessionConfig};
use serde_json::json;

use super::ServerArgs;
use crate::output::Output;

#[derive(Debug, Args)]
pub struct RoomServer {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The plugin's `admin_key`, when room creation and `list` need it.
    #[arg(long, env = "MAILCALL_JANUS_ADMIN_KEY")]
    pub admin_key: Option<String>,
    /// The room's own secret, for changes to it.
    #[arg(long)]
    pub secret: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RoomCommand {
    Create {
        #[command(flatten)]
        at: RoomServer,
        /// Picked by Janus when left out.
        #[arg(long)]
        room: Option<u64>,
        #[arg(long)]
        description: Option<String>,
        /// Most concurrent publishers.
        #[arg(long, default_value_t = 16)]
        publishers: u32,
        /// Send `talking` events.
        #[arg(long)]
        audiolevel: bool,
    },
    List {
        #[command(flatten)]
        at: RoomServer,
    },
    /// The room and its participants.
    Info {
        #[command(flatten)]
        at: RoomServer,
        #[arg(long)]
        room: u64,
    },
    Destroy {
        #[command(flatten)]
        at: RoomServer,
        #[arg(long)]
        room: u64,
    },
    /// Start (or with --off stop) recording every publisher.
    Record {
        #[command(flatten)]
        at: RoomServer,
        #[arg(long)]
        room: u64,
        #[arg(long)]
        off: bool,
    },
    Kick {
        #[command(flatten)]
        at: RoomServer,
        #[arg(long)]
        room: u64,
        #[arg(long)]
        feed: u64,
    },
    /// Mute (or with --unmute unmute) one stream of a participant.
    Mute {
        #[command(flatten)]
        at: RoomServer,
        #[arg(long)]
        room: u64,
        #[arg(long)]
        feed: u64,
        #[arg(long)]
        mid: String,
        #[arg(long)]
        unmute: bool,
    },
}

async fn rooms(at: &RoomServer) -> anyhow::Result<(Session, Rooms)> {
    let urls: Vec<_> = at
        .server
        .servers
        .iter()
        .map(|s| mailcall_janus::Endpoint::parse(s))
        .collect::<Result<_, _>>()?;
    let mut config = SessionConfig::new(urls);
    config.token = at.server.token.clone();
    let (session, _events) = Session::connect(config).await?;
    let (handle, _) = session.attach(PLUGIN).await?;
    Ok((session, Rooms::new(handle)))
}

pub async fn run(command: &RoomCommand, out: &Output) -> anyhow::Result<()> {
    let at = match command {
        RoomCommand::Create { at, .. }
        | RoomCommand::List { at }
        | RoomCommand::Info { at, .. }
        | RoomCommand::Destroy { at, .. }
        | RoomCommand::Record { at, .. }
        | RoomCommand::Kick { at, .. }
        | RoomCommand::Mute { at, .. } => at,
    };
    let (session, rooms) = rooms(at).await?;
    let result = execute(command, at, &rooms, out).await;
    let _ = session.close().await;
    result
}

async fn execute(
    command: &RoomCommand,
    at: &RoomServer,
    rooms: &Rooms,
    out: &Output,
) -> anyhow::Result<()> {
    let secret = at.secret.clone();
    let done = |what: &str, room: u64| {
        out.show(&json!({ "ok": what, "room": room }), |_| {
            println!("{what}: room {room}")
        })
    };
    match command {
        RoomCommand::Create {
            room,
            description,
            publishers,
            audiolevel,
            ..
        } => {
            let created = rooms
                .create(CreateRoom {
                    room: room.map(RoomId),
                    admin_key: at.admin_key.clone(),
                    description: description.clone(),
                    secret,
                    publishers: Some(*publishers),
                    audiolevel_event: audiolevel.then_some(true),
                    ..Default::default()
                })
                .await?;
            done("created", created.room.0)
        }
        RoomCommand::List { .. } => {
            let list = rooms.list(at.admin_key.clone()).await?;
            out.show(&list, |list| {
                for r in list {
                    println!(
                        "{:>16}  {:>4} participants  {}",
                        r.room.0,
                        r.num_participants,
                        r.description.as_deref().unwrap_or("")
                    );
                }
            })
        }
        RoomCommand::Info { room, .. } => {
            let list = rooms.list(at.admin_key.clone()).await?;
            let info = list.into_iter().find(|r| r.room == RoomId(*room));
            let participants = rooms.list_participants(RoomId(*room)).await?;
            let doc = json!({ "room": info, "participants": participants.participants });
            out.show(&doc, |_| {
                println!(
                    "room {room}: {} participants",
                    participants.participants.len()
                );
                for p in &participants.participants {
                    println!(
                        "  {:>16}  {}{}",
                        p.id.0,
                        p.display.as_deref().unwrap_or("(no name)"),
                        if p.publisher { "  [publishing]" } else { "" }
                    );
                }
            })
        }
        RoomCommand::Destroy { room, .. } => {
            rooms
                .destroy(DestroyRoom {
                    room: RoomId(*room),
                    secret,
                    ..Default::default()
                })
                .await?;
            done("destroyed", *room)
        }
        RoomCommand::Record { room, off, .. } => {
            rooms
                .enable_recording(EnableRecording {
                    room: RoomId(*room),
                    record: !off,
                    secret,
                })
                .await?;
            done(
                if *off {
                    "recording stopped"
                } else {
                    "recording"
                },
                *room,
            )
        }
        RoomCommand::Kick { room, feed, .. } => {
            rooms
                .kick(Kick {
                    room: RoomId(*room),
                    id: FeedId(*feed),
                    secret,
                })
                .await?;
            done("kicked", *room)
        }
        RoomCommand::Mute {
            room,
            feed,
            mid,
            unmute,
            ..
        } => {
            rooms
                .moderate(Moderate {
                    room: RoomId(*room),
                    id: FeedId(*feed),
                    mid: mid.clone(),
                    mute: !unmute,
                    secret,
                })
                .await?;
            done(if *unmute { "unmuted" } else { "muted" }, *room)
        }
    }
}
