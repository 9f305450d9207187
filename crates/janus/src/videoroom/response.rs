//! Answers to the synchronous VideoRoom room requests.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::{FeedId, RoomId};

/// `created`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub room: RoomId,
    #[serde(default)]
    pub permanent: bool,
}

/// `edited` / `destroyed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomAnswer {
    pub room: RoomId,
}

/// `exists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exists {
    pub room: RoomId,
    pub exists: bool,
}

/// `allowed`: the updated ACL (absent for `disable`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedList {
    pub room: RoomId,
    #[serde(default)]
    pub allowed: Option<Vec<String>>,
}

/// One room of `list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub room: RoomId,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub pin_required: bool,
    #[serde(default)]
    pub is_private: bool,
    #[serde(default)]
    pub max_publishers: u32,
    #[serde(default)]
    pub num_participants: u32,
    #[serde(default)]
    pub audiolevel_event: bool,
    #[serde(default)]
    pub notify_joining: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomList {
    pub list: Vec<RoomInfo>,
}

/// One participant of `listparticipants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub id: FeedId,
    #[serde(default)]
    pub display: Option<String>,
    /// True when actively publishing via WebRTC.
    #[serde(default)]
    pub publisher: bool,
    #[serde(default)]
    pub talking: Option<bool>,
}

/// `participants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participants {
    pub room: RoomId,
    pub participants: Vec<Participant>,
}

/// An RTP forwarder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forwarder {
    #[serde(default)]
    pub stream_id: Option<u64>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `rtp_forward`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RtpForwarded {
    pub room: RoomId,
    pub publisher_id: FeedId,
    #[serde(default)]
    pub forwarders: Vec<Forwarder>,
}

/// `stop_rtp_forward`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RtpForwardStopped {
    pub room: RoomId,
    pub publisher_id: FeedId,
    pub stream_id: u64,
}

/// The forwarders of one publisher in `forwarders`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublisherForwarders {
    pub publisher_id: FeedId,
    #[serde(default)]
    pub forwarders: Vec<Forwarder>,
}

/// `forwarders` (answer to `listforwarders`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forwarders {
    pub room: RoomId,
    #[serde(default)]
    pub publishers: Vec<PublisherForwarders>,
}

/// `add_remote_publisher`: where the new remote publisher receives RTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemotePublisherAdded {
    pub room: RoomId,
    pub id: FeedId,
    #[serde(default)]
    pub ip: Option<String>,
    pub port: u16,
    #[serde(default)]
    pub rtcp_port: Option<i64>,
}

/// One remote target of `listremotes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remote {
    pub remote_id: String,
    pub host: String,
    pub port: u16,
    #[serde(default)]
    pub rtcp_port: Option<u16>,
}

/// `listremotes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remotes {
    pub room: RoomId,
    pub id: FeedId,
    #[serde(default)]
    pub list: Vec<Remote>,
}

/// `publish_remotely`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedRemotely {
    pub room: RoomId,
    pub id: FeedId,
    pub remote_id: String,
}
