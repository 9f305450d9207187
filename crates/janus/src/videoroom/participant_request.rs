//! VideoRoom requests of participants: publishers (join, publish, configure,
//! joinandconfigure, unpublish, leave) and multistream subscribers (join, start, subscribe,
//! unsubscribe, update, switch, pause, configure, leave). All are asynchronous in Janus: an
//! `ack`, then an `event` with the same transaction.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::request::Ptype;
use crate::id::{FeedId, RoomId};

/// Requests on a publisher handle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "lowercase")]
pub enum PublisherRequest {
    Join(JoinPublisher),
    Publish(Publish),
    Configure(ConfigurePublisher),
    #[serde(rename = "joinandconfigure")]
    JoinAndConfigure(JoinAndConfigure),
    Unpublish,
    Leave,
}

/// `join` as a publisher (`ptype: publisher`); never publishes by itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JoinPublisher {
    pub ptype: Ptype,
    pub room: RoomId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<FeedId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// ACL token or signed room token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
}

/// A text description for one published mid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    pub mid: String,
    pub description: String,
}

/// `publish` (with an SDP offer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Publish {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audiocodec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub videocodec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_level_average: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_active_packets: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descriptions: Option<Vec<Description>>,
}

/// Per-mid settings of a publisher `configure`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PublisherStream {
    pub mid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyframe: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_delay: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay: Option<u32>,
}

/// `configure` on a publisher (optionally with an SDP offer for renegotiation).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigurePublisher {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyframe: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_active_packets: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_level_average: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<Vec<PublisherStream>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descriptions: Option<Vec<Description>>,
}

/// `joinandconfigure`: join and publish in one request (with an SDP offer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JoinAndConfigure {
    #[serde(flatten)]
    pub join: JoinPublisher,
    #[serde(flatten)]
    pub publish: Publish,
}

/// Requests on a multistream subscriber handle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "lowercase")]
pub enum SubscriberRequest {
    Join(JoinSubscriber),
    /// With the SDP answer after `join`/`updated`, or alone to resume after `pause`.
    Start,
    Subscribe {
        streams: Vec<SubscribeStream>,
    },
    Unsubscribe {
        streams: Vec<UnsubscribeStream>,
    },
    Update {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subscribe: Option<Vec<SubscribeStream>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unsubscribe: Option<Vec<UnsubscribeStream>>,
    },
    /// Moves subscription m-lines to other sources without renegotiation.
    Switch {
        streams: Vec<SwitchStream>,
    },
    Pause,
    Configure(ConfigureSubscriber),
    Leave,
}

/// `join` as a subscriber (`ptype: subscriber`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JoinSubscriber {
    pub ptype: Ptype,
    pub room: RoomId,
    pub streams: Vec<SubscribeStream>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_msid: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoupdate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
}

/// A stream to subscribe to: a whole feed, or one of its mids.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscribeStream {
    pub feed: FeedId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crossrefid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substream: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal: Option<u8>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A stream to drop: by feed, by feed + mid, or by subscription mid.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnsubscribeStream {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed: Option<FeedId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mid: Option<String>,
}

/// Pipe `feed`'s `mid` into this subscription's `sub_mid`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SwitchStream {
    pub feed: FeedId,
    pub mid: String,
    pub sub_mid: String,
}

/// Per-mid settings of a subscriber `configure`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscriberStream {
    pub mid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substream: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spatial_layer: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal_layer: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_delay: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay: Option<u32>,
}

/// `configure` on a subscriber.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigureSubscriber {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<Vec<SubscriberStream>>,
    /// Ask Janus for an ICE-restart offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<bool>,
}
