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
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateRoom {
    pub room: Option<RoomId>,
    pub admin_key: Option<String>,
    pub description: Option<String>,
    pub secret: Option<String>,
    pub pin: Option<String>,
    pub is_private: Option<bool>,
    pub allowed: Option<Vec<String>>,
    /// Maximum number of concurrent WebRTC publishers.
    pub publishers: Option<u32>,
    pub bitrate: Option<u64>,
    pub fir_freq: Option<u32>,
    pub audiocodec: Option<String>,
    pub videocodec: Option<String>,
    pub require_pvtid: Option<bool>,
    /// Join only with a signed room token (`room=<id>`, realm `janus.plugin.videoroom`).
    pub signed_tokens: Option<bool>,
    /// Send `talking`/`stopped-talking` events (needs the ssrc-audio-level extension).
    pub audiolevel_event: Option<bool>,
    pub audio_active_packets: Option<u32>,
    pub audio_level_average: Option<u32>,
    pub record: Option<bool>,
    pub rec_dir: Option<String>,
    pub permanent: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `edit`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EditRoom {
    pub room: RoomId,
    pub secret: Option<String>,
    pub new_description: Option<String>,
    pub new_secret: Option<String>,
    pub new_pin: Option<String>,
    pub new_is_private: Option<bool>,
    pub new_require_pvtid: Option<bool>,
    pub new_bitrate: Option<u64>,
    pub new_fir_freq: Option<u32>,
    pub new_publishers: Option<u32>,
    pub new_lock_record: Option<bool>,
    pub new_rec_dir: Option<String>,
    pub permanent: Option<bool>,
}

/// `destroy`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DestroyRoom {
    pub room: RoomId,
    pub secret: Option<String>,
    pub permanent: Option<bool>,
}

/// `allowed`: the room's token ACL.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allowed {
    pub room: RoomId,
    pub action: AllowedAction,
    pub allowed: Option<Vec<String>>,
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
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kick {
    pub room: RoomId,
    pub id: FeedId,
    pub secret: Option<String>,
}

/// `moderate`: mute or unmute one stream of a participant.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moderate {
    pub room: RoomId,
    pub id: FeedId,
    pub mid: String,
    pub mute: bool,
    pub secret: Option<String>,
}

/// `enable_recording`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnableRecording {
    pub room: RoomId,
    pub record: bool,
    pub secret: Option<String>,
}

/// `rtp_forward`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RtpForward {
    pub room: RoomId,
    pub publisher_id: FeedId,
    pub host: Option<String>,
    pub host_family: Option<String>,
    pub streams: Vec<ForwardStream>,
    pub admin_key: Option<String>,
    pub secret: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One stream of an `rtp_forward`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForwardStream {
    pub mid: String,
    pub port: u16,
    pub host: Option<String>,
    pub ssrc: Option<u32>,
    pub pt: Option<u8>,
    pub rtcp_port: Option<u16>,
    pub simulcast: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `stop_rtp_forward`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopRtpForward {
    pub room: RoomId,
    pub publisher_id: FeedId,
    pub stream_id: u64,
    pub admin_key: Option<String>,
    pub secret: Option<String>,
}

/// `add_remote_publisher`: a publisher whose RTP comes from another Janus (`publish_remotely`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddRemotePublisher {
    pub room: RoomId,
    pub id: Option<FeedId>,
    pub display: Option<String>,
    pub iface: Option<String>,
    pub port: Option<u16>,
    pub streams: Vec<RemoteStream>,
    pub secret: Option<String>,
}

/// `update_remote_publisher`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateRemotePublisher {
    pub room: RoomId,
    pub id: FeedId,
    pub display: Option<String>,
    pub streams: Vec<RemoteStream>,
    pub secret: Option<String>,
}

/// A stream of a remote publisher.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RemoteStream {
    #[serde(rename = "type")]
    pub kind: String,
    pub mindex: u32,
    pub mid: String,
    pub codec: Option<String>,
    pub description: Option<String>,
    pub disabled: Option<bool>,
    pub simulcast: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `publish_remotely`: forward a local publisher to a remote publisher on another Janus.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishRemotely {
    pub room: RoomId,
    pub publisher_id: FeedId,
    pub remote_id: String,
    pub host: String,
    pub port: u16,
    pub host_family: Option<String>,
    pub rtcp_port: Option<u16>,
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
