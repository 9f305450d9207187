//! What a call reports: its settings ([`CallConfig`]) and its events ([`CallEvent`]), typed
//! and serializable so the CLI prints them as JSON lines and the desktop app forwards them to
//! the page unchanged.

use std::time::Duration;

use mailcall_janus::videoroom::CreateRoom;
use mailcall_janus::{FeedId, RoomId, SessionId};
use serde::Serialize;

/// Whether this participant sends media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Listens only: one multistream subscriber, no publishing.
    Attendee,
    /// Publishes audio and video, and subscribes like an attendee.
    Speaker,
}

/// How to join a call.
#[derive(Debug, Clone)]
pub struct CallConfig {
    /// Janus servers, tried in order (`ws://`, `http://`).
    pub servers: Vec<String>,
    pub room: RoomId,
    pub display: Option<String>,
    pub role: Role,
    /// Sent as the core token and as the room token of `join`.
    pub token: Option<String>,
    pub api_secret: Option<String>,
    /// Video m-lines of the subscription; audio comes from every publisher.
    pub slots: usize,
    /// Created when Janus says the room does not exist (test rooms vanish with a restart).
    pub create_room: Option<CreateRoom>,
    /// How long changes to the roster are collected before one [`CallEvent::Roster`].
    pub roster_batch: Duration,
    /// How many times to try rejoining after the session was lost, one to two seconds apart.
    pub rejoin_attempts: u32,
    pub request_timeout: Duration,
    /// How long leaving waits for Janus to confirm before closing anyway (a server that is
    /// down or restarting never answers).
    pub goodbye_timeout: Duration,
}

impl CallConfig {
    pub fn new(servers: Vec<String>, room: RoomId, role: Role) -> Self {
        Self {
            servers,
            room,
            display: None,
            role,
            token: None,
            api_secret: None,
            slots: 4,
            create_room: None,
            roster_batch: Duration::from_millis(250),
            rejoin_attempts: 60,
            request_timeout: Duration::from_secs(10),
            goodbye_timeout: Duration::from_millis(500),
        }
    }
}

/// Which PeerConnection a media event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Leg {
    Publisher,
    Subscriber,
}

/// Something the call reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CallEvent {
    /// In the room (first time, and after every rejoin).
    Joined {
        room: RoomId,
        feed: FeedId,
        session: Option<SessionId>,
        publishers: usize,
    },
    /// Coalesced roster changes since the last one.
    Roster {
        joined: Vec<FeedId>,
        left: Vec<FeedId>,
        updated: Vec<FeedId>,
        members: usize,
    },
    Talking {
        feed: FeedId,
        talking: bool,
        level: Option<f64>,
    },
    /// The feed shown in the main slot changed.
    ActiveSpeaker {
        feed: FeedId,
    },
    /// Which feed each video slot shows now.
    Slots {
        slots: Vec<Option<FeedId>>,
    },
    WebrtcUp {
        leg: Leg,
    },
    Media {
        leg: Leg,
        mid: Option<String>,
        kind: String,
        receiving: bool,
    },
    SlowLink {
        leg: Leg,
        mid: Option<String>,
        uplink: bool,
        lost: Option<u64>,
    },
    Hangup {
        leg: Leg,
        reason: Option<String>,
    },
    /// The session was lost; rejoining.
    Reconnecting {
        reason: ReconnectReason,
    },
    /// The transport came back on the same session; state was re-read.
    Resynced,
    /// Something failed that the call survives (logged too).
    Warning {
        message: String,
    },
    /// The call is over: left, or rejoining gave up.
    Ended {
        reason: EndReason,
    },
}

/// Why a call rejoins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReconnectReason {
    /// The connection to the server broke; it is being made again, and the session claimed
    /// if the server still has it (else the call rejoins, with one of the reasons below).
    ConnectionLost,
    /// The server no longer knows the session (it restarted, or the session timed out).
    SessionLost,
    /// The transport came back with a new session instead of the old one.
    SessionReplaced,
}

/// Why a call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EndReason {
    /// This participant left.
    Left,
    /// A moderator removed this participant.
    Kicked,
    /// The room was destroyed.
    RoomDestroyed,
    /// The Janus session stopped for good.
    SessionClosed,
    /// Rejoining after a lost session failed every attempt; `message` is the last error.
    RejoinFailed { message: String },
    /// Something else the call cannot survive.
    Failed { message: String },
}

impl std::fmt::Display for EndReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EndReason::Left => f.write_str("left"),
            EndReason::Kicked => f.write_str("kicked from the room"),
            EndReason::RoomDestroyed => f.write_str("the room was destroyed"),
            EndReason::SessionClosed => f.write_str("the Janus session stopped"),
            EndReason::RejoinFailed { message } => write!(f, "could not rejoin: {message}"),
            EndReason::Failed { message } => write!(f, "failed: {message}"),
        }
    }
}
