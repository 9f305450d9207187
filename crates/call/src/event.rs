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
        reason: String,
    },
    /// The transport came back on the same session; state was re-read.
    Resynced,
    /// Something failed that the call survives (logged too).
    Warning {
        message: String,
    },
    /// The call is over: left, or rejoining gave up.
    Ended {
        reason: String,
    },
}
