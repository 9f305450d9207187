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
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JoinPublisher {
    pub ptype: Ptype,
    pub room: RoomId,
    pub id: Option<FeedId>,
    pub display: Option<String>,
    /// ACL token or signed room token.
    pub token: Option<String>,
    pub pin: Option<String>,
}

/// A text description for one published mid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    pub mid: String,
    pub description: String,
}

/// `publish` (with an SDP offer).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Publish {
    pub audiocodec: Option<String>,
    pub videocodec: Option<String>,
    pub bitrate: Option<u64>,
    pub record: Option<bool>,
    pub filename: Option<String>,
    pub display: Option<String>,
    pub audio_level_average: Option<u32>,
    pub audio_active_packets: Option<u32>,
    pub descriptions: Option<Vec<Description>>,
}

/// Per-mid settings of a publisher `configure`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PublisherStream {
    pub mid: String,
    pub keyframe: Option<bool>,
    pub send: Option<bool>,
    pub min_delay: Option<u32>,
    pub max_delay: Option<u32>,
}

/// `configure` on a publisher (optionally with an SDP offer for renegotiation).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigurePublisher {
    pub bitrate: Option<u64>,
    pub keyframe: Option<bool>,
    pub record: Option<bool>,
    pub filename: Option<String>,
    pub display: Option<String>,
    pub audio_active_packets: Option<u32>,
    pub audio_level_average: Option<u32>,
    pub streams: Option<Vec<PublisherStream>>,
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
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JoinSubscriber {
    pub ptype: Ptype,
    pub room: RoomId,
    pub streams: Vec<SubscribeStream>,
    pub use_msid: Option<bool>,
    pub autoupdate: Option<bool>,
    pub private_id: Option<u64>,
    pub token: Option<String>,
    pub pin: Option<String>,
}

/// A stream to subscribe to: a whole feed, or one of its mids.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscribeStream {
    pub feed: FeedId,
    pub mid: Option<String>,
    pub crossrefid: Option<String>,
    pub send: Option<bool>,
    pub substream: Option<u8>,
    pub temporal: Option<u8>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A stream to drop: by feed, by feed + mid, or by subscription mid.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnsubscribeStream {
    pub feed: Option<FeedId>,
    pub mid: Option<String>,
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
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscriberStream {
    pub mid: String,
    pub send: Option<bool>,
    pub substream: Option<u8>,
    pub temporal: Option<u8>,
    pub fallback: Option<u64>,
    pub spatial_layer: Option<u8>,
    pub temporal_layer: Option<u8>,
    pub min_delay: Option<u32>,
    pub max_delay: Option<u32>,
}

/// `configure` on a subscriber.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigureSubscriber {
    pub streams: Option<Vec<SubscriberStream>>,
    /// Ask Janus for an ICE-restart offer.
    pub restart: Option<bool>,
}
