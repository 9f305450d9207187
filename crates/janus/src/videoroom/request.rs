//! Every VideoRoom request of Janus 1.1.2 as serde types (plugin docs in `janus_videoroom.c`).
//!
//! Invariants: optional fields are left out of the JSON when `None`, so Janus applies its own
//! defaults; `extra` maps carry settings this crate does not name (they are sent as they are).
//! `notify_joining` is deliberately not a named field of [`CreateRoom`]: in a 700-person room
//! it makes every join a broadcast. The remote-publisher list request is spelled `listremotes`
//! on the wire.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::{FeedId, RoomId};

/// Room-level requests (all synchronous: answered by `success` with `plugindata`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum RoomRequest {
    Create(CreateRoom),
    Edit(EditRoom),
    Destroy(DestroyRoom),
    Exists {
        room: RoomId,
    },
    List {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        admin_key: Option<String>,
    },
    Allowed(Allowed),
    Kick(Kick),
    Moderate(Moderate),
    EnableRecording(EnableRecording),
    #[serde(rename = "listparticipants")]
    ListParticipants {
        room: RoomId,
    },
    #[serde(rename = "listforwarders")]
    ListForwarders {
        room: RoomId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secret: Option<String>,
    },
    RtpForward(RtpForward),
    StopRtpForward(StopRtpForward),
    AddRemotePublisher(AddRemotePublisher),
    UpdateRemotePublisher(UpdateRemotePublisher),
    RemoveRemotePublisher {
        room: RoomId,
        id: FeedId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secret: Option<String>,
    },
    PublishRemotely(PublishRemotely),
    UnpublishRemotely {
        room: RoomId,
        publisher_id: FeedId,
        remote_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secret: Option<String>,
    },
    #[serde(rename = "listremotes")]
    ListRemotes {
        room: RoomId,
        publisher_id: FeedId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secret: Option<String>,
    },
}

impl RoomRequest {
    /// The `request` verb, for errors and logs.
    pub fn verb(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("request").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| "videoroom request".into())
    }
}

/// `create`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateRoom {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<RoomId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_private: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// Maximum number of concurrent WebRTC publishers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publishers: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fir_freq: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audiocodec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub videocodec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_pvtid: Option<bool>,
    /// Join only with a signed room token (`room=<id>`, realm `janus.plugin.videoroom`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_tokens: Option<bool>,
    /// Send `talking`/`stopped-talking` events (needs the ssrc-audio-level extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audiolevel_event: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_active_packets: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_level_average: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rec_dir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permanent: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `edit`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EditRoom {
    pub room: RoomId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_pin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_is_private: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_require_pvtid: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_bitrate: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_fir_freq: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_publishers: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_lock_record: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_rec_dir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permanent: Option<bool>,
}

/// `destroy`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DestroyRoom {
    pub room: RoomId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permanent: Option<bool>,
}

/// `allowed`: the room's token ACL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allowed {
    pub room: RoomId,
    pub action: AllowedAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// What `allowed` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AllowedAction {
    Enable,
    Disable,
    Add,
    Remove,
}

/// `kick`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kick {
    pub room: RoomId,
    pub id: FeedId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `moderate`: mute or unmute one stream of a participant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moderate {
    pub room: RoomId,
    pub id: FeedId,
    pub mid: String,
    pub mute: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `enable_recording`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnableRecording {
    pub room: RoomId,
    pub record: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `rtp_forward`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RtpForward {
    pub room: RoomId,
    pub publisher_id: FeedId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_family: Option<String>,
    pub streams: Vec<ForwardStream>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One stream of an `rtp_forward`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForwardStream {
    pub mid: String,
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssrc: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pt: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtcp_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulcast: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `stop_rtp_forward`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopRtpForward {
    pub room: RoomId,
    pub publisher_id: FeedId,
    pub stream_id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `add_remote_publisher`: a publisher whose RTP comes from another Janus (`publish_remotely`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddRemotePublisher {
    pub room: RoomId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<FeedId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iface: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub streams: Vec<RemoteStream>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `update_remote_publisher`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateRemotePublisher {
    pub room: RoomId,
    pub id: FeedId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    pub streams: Vec<RemoteStream>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A stream of a remote publisher.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RemoteStream {
    #[serde(rename = "type")]
    pub kind: String,
    pub mindex: u32,
    pub mid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulcast: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `publish_remotely`: forward a local publisher to a remote publisher on another Janus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishRemotely {
    pub room: RoomId,
    pub publisher_id: FeedId,
    pub remote_id: String,
    pub host: String,
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtcp_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `ptype` of a `join`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ptype {
    #[default]
    Publisher,
    Subscriber,
}
