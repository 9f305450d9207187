//! VideoRoom answers and events as typed values, parsed from the plugin's `data`.
//!
//! Invariants (Janus 1.1.2, measured): `videoroom: "event"` is overloaded; the key present
//! (`publishers`, `unpublished`, `leaving`, `kicked`, `joining`, `configured`, `started`,
//! `paused`, `left`, `switched`, `moderation`, `error_code`) decides the kind. A number in
//! `unpublished`/`leaving` names another feed, `"ok"` means this handle itself. `unpublished`
//! comes twice for one feed; `leaving` is broadcast for every participant even with
//! `notify_joining: false`. Data that fits nothing is kept as [`VideoRoomEvent::Unknown`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result, VideoRoomCode};
use crate::id::{FeedId, RoomId};

/// A stream a publisher offers (in `joined` and `publishers`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedStream {
    #[serde(rename = "type")]
    pub kind: String,
    pub mindex: u32,
    pub mid: String,
    #[serde(default)]
    pub disabled: bool,
    pub codec: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub simulcast: bool,
    #[serde(default)]
    pub svc: bool,
    pub talking: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An active publisher.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublisherInfo {
    pub id: FeedId,
    pub display: Option<String>,
    #[serde(default)]
    pub dummy: bool,
    #[serde(default)]
    pub streams: Vec<PublishedStream>,
    pub talking: Option<bool>,
}

/// A participant as `joining` or `attendees` describe it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub id: FeedId,
    pub display: Option<String>,
}

/// `joined`: this handle is a participant now.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Joined {
    pub room: RoomId,
    pub id: FeedId,
    #[serde(default)]
    pub private_id: u64,
    pub description: Option<String>,
    #[serde(default)]
    pub publishers: Vec<PublisherInfo>,
    pub attendees: Option<Vec<Attendee>>,
}

/// One m-line of a subscription.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionStream {
    pub mindex: u32,
    pub mid: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub feed_id: Option<FeedId>,
    pub feed_mid: Option<String>,
    pub feed_display: Option<String>,
    #[serde(default)]
    pub send: bool,
    #[serde(default)]
    pub ready: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `attached` (subscriber join), `updated` and `switched` carry the subscription layout.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub room: RoomId,
    pub streams: Option<Vec<SubscriptionStream>>,
    /// `switched` only: how many of the requested changes took effect.
    pub changes: Option<u32>,
}

/// Everything the VideoRoom plugin says on a handle.
#[derive(Debug, Clone, PartialEq)]
pub enum VideoRoomEvent {
    Joined(Joined),
    Attached(Subscription),
    Updated(Subscription),
    /// The update was queued behind a renegotiation in progress.
    Updating,
    Switched(Subscription),
    /// New active publishers.
    Publishers {
        room: RoomId,
        publishers: Vec<PublisherInfo>,
    },
    /// Another feed stopped publishing (sent twice by Janus 1.1.2).
    Unpublished {
        room: RoomId,
        feed: FeedId,
    },
    /// This handle's own unpublish finished.
    UnpublishedSelf,
    /// Another participant left.
    Leaving {
        room: RoomId,
        feed: FeedId,
    },
    /// This handle left (`leaving: ok`, with `reason: kicked` when kicked).
    LeftSelf {
        kicked: bool,
    },
    /// A subscriber's `leave` finished.
    Left,
    /// Another participant was kicked.
    Kicked {
        room: RoomId,
        feed: FeedId,
    },
    /// A participant joined (only in rooms with `notify_joining`, which this crate avoids).
    Joining {
        room: RoomId,
        attendee: Attendee,
    },
    Talking {
        room: RoomId,
        feed: FeedId,
        mid: Option<String>,
        level: Option<f64>,
    },
    StoppedTalking {
        room: RoomId,
        feed: FeedId,
        mid: Option<String>,
        level: Option<f64>,
    },
    Configured,
    Started,
    Paused,
    /// A moderator muted or unmuted a stream.
    Moderation {
        room: RoomId,
        feed: FeedId,
        mid: String,
        muted: bool,
    },
    /// The room was destroyed.
    Destroyed {
        room: RoomId,
    },
    /// The plugin refused the request.
    Error {
        code: VideoRoomCode,
        reason: String,
    },
    /// Data this crate does not know; kept whole.
    Unknown(Value),
}

fn typed<T: serde::de::DeserializeOwned>(value: &Value) -> Option<T> {
    serde_json::from_value(value.clone()).ok()
}

fn id_or_ok(value: Option<&Value>) -> Option<std::result::Result<FeedId, ()>> {
    match value? {
        Value::String(s) if s == "ok" => Some(Err(())),
        v => v.as_u64().map(|n| Ok(FeedId(n))),
    }
}

impl VideoRoomEvent {
    /// Classifies the plugin's `data`.
    pub fn parse(data: Value) -> Self {
        Self::try_parse(&data).unwrap_or_else(|| {
            tracing::warn!(%data, "unknown VideoRoom data; kept as Unknown");
            VideoRoomEvent::Unknown(data)
        })
    }

    fn try_parse(data: &Value) -> Option<Self> {
        let kind = data.get("videoroom")?.as_str()?;
        let room = || data.get("room").and_then(Value::as_u64).map(RoomId);
        let feed = || data.get("id").and_then(Value::as_u64).map(FeedId);
        if let Some(code) = data.get("error_code").and_then(Value::as_u64) {
            let reason = data
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Some(VideoRoomEvent::Error {
                code: VideoRoomCode::from_number(code as u16),
                reason: reason.to_owned(),
            });
        }
        Some(match kind {
            "joined" => VideoRoomEvent::Joined(typed(data)?),
            "attached" => VideoRoomEvent::Attached(typed(data)?),
            "updated" => VideoRoomEvent::Updated(typed(data)?),
            "updating" => VideoRoomEvent::Updating,
            "destroyed" => VideoRoomEvent::Destroyed { room: room()? },
            "talking" | "stopped-talking" => {
                let (room, feed) = (room()?, feed()?);
                let mid = data.get("mid").and_then(Value::as_str).map(str::to_owned);
                let level = data.get("audio-level-dBov-avg").and_then(Value::as_f64);
                if kind == "talking" {
                    VideoRoomEvent::Talking {
                        room,
                        feed,
                        mid,
                        level,
                    }
                } else {
                    VideoRoomEvent::StoppedTalking {
                        room,
                        feed,
                        mid,
                        level,
                    }
                }
            }
            "event" => return Self::parse_event(data, room()),
            _ => return None,
        })
    }

    fn parse_event(data: &Value, room: Option<RoomId>) -> Option<Self> {
        if let Some(publishers) = data.get("publishers") {
            return Some(VideoRoomEvent::Publishers {
                room: room?,
                publishers: serde_json::from_value(publishers.clone()).ok()?,
            });
        }
        if let Some(which) = id_or_ok(data.get("unpublished")) {
            return Some(match which {
                Ok(feed) => VideoRoomEvent::Unpublished { room: room?, feed },
                Err(()) => VideoRoomEvent::UnpublishedSelf,
            });
        }
        if let Some(which) = id_or_ok(data.get("leaving")) {
            return Some(match which {
                Ok(feed) => VideoRoomEvent::Leaving { room: room?, feed },
                Err(()) => VideoRoomEvent::LeftSelf {
                    kicked: data.get("reason").and_then(Value::as_str) == Some("kicked"),
                },
            });
        }
        if let Some(Ok(feed)) = id_or_ok(data.get("kicked")) {
            return Some(VideoRoomEvent::Kicked { room: room?, feed });
        }
        if let Some(joining) = data.get("joining") {
            return Some(VideoRoomEvent::Joining {
                room: room?,
                attendee: serde_json::from_value(joining.clone()).ok()?,
            });
        }
        if data.get("switched").is_some() {
            return Some(VideoRoomEvent::Switched(
                serde_json::from_value(data.clone()).ok()?,
            ));
        }
        if let Some(state) = data.get("moderation").and_then(Value::as_str) {
            return Some(VideoRoomEvent::Moderation {
                room: room?,
                feed: FeedId(data.get("id")?.as_u64()?),
                mid: data.get("mid")?.as_str()?.to_owned(),
                muted: state == "muted",
            });
        }
        for (key, event) in [
            ("configured", VideoRoomEvent::Configured),
            ("started", VideoRoomEvent::Started),
            ("paused", VideoRoomEvent::Paused),
            ("left", VideoRoomEvent::Left),
        ] {
            if data.get(key).is_some() {
                return Some(event);
            }
        }
        None
    }

    /// The error as a typed [`Error`] for `request`, if this is one.
    pub fn into_result(self, request: &str) -> Result<Self> {
        match self {
            VideoRoomEvent::Error { code, reason } => Err(Error::VideoRoom {
                request: request.to_owned(),
                code,
                reason,
            }),
            other => Ok(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn classifies_the_overloaded_event() {
        let p = |v| VideoRoomEvent::parse(v);
        assert_eq!(
            p(json!({"videoroom": "event", "room": 1, "unpublished": 7})),
            VideoRoomEvent::Unpublished {
                room: RoomId(1),
                feed: FeedId(7)
            }
        );
        assert_eq!(
            p(json!({"videoroom": "event", "unpublished": "ok"})),
            VideoRoomEvent::UnpublishedSelf
        );
        assert_eq!(
            p(json!({"videoroom": "event", "room": 1, "leaving": 8})),
            VideoRoomEvent::Leaving {
                room: RoomId(1),
                feed: FeedId(8)
            }
        );
        assert_eq!(
            p(json!({"videoroom": "event", "room": 1, "leaving": "ok", "reason": "kicked"})),
            VideoRoomEvent::LeftSelf { kicked: true }
        );
        assert_eq!(
            p(json!({"videoroom": "event", "room": 1, "kicked": 9})),
            VideoRoomEvent::Kicked {
                room: RoomId(1),
                feed: FeedId(9)
            }
        );
        assert_eq!(
            p(json!({"videoroom": "event", "configured": "ok"})),
            VideoRoomEvent::Configured
        );
        assert!(matches!(
            p(
                json!({"videoroom": "event", "error_code": 432, "error": "Maximum number of publishers (1) reached"})
            ),
            VideoRoomEvent::Error {
                code: VideoRoomCode::PublishersFull,
                ..
            }
        ));
        let talking = p(
            json!({"videoroom": "talking", "room": 1, "id": 3, "mindex": 0, "mid": "0", "audio-level-dBov-avg": 32.5}),
        );
        assert!(
            matches!(talking, VideoRoomEvent::Talking { feed: FeedId(3), level: Some(l), .. } if l == 32.5)
        );
    }

    #[test]
    fn parses_joined_and_publishers() {
        let joined = VideoRoomEvent::parse(json!({
            "videoroom": "joined", "room": 1, "id": 5, "private_id": 99, "description": "all hands",
            "publishers": [{"id": 6, "display": "Ann", "streams": [
                {"type": "video", "mindex": 1, "mid": "1", "codec": "vp8", "simulcast": true}]}]
        }));
        let VideoRoomEvent::Joined(j) = joined else {
            panic!("{joined:?}")
        };
        assert_eq!(j.publishers[0].id, FeedId(6));
        assert!(j.publishers[0].streams[0].simulcast);
        let switched = VideoRoomEvent::parse(
            json!({"videoroom": "event", "switched": "ok", "room": 1, "changes": 2, "streams": []}),
        );
        assert!(matches!(
            switched,
            VideoRoomEvent::Switched(Subscription {
                changes: Some(2),
                ..
            })
        ));
    }

    #[test]
    fn unknown_data_is_kept() {
        let odd = json!({"videoroom": "rtp_forward_v9", "room": 1});
        assert_eq!(
            VideoRoomEvent::parse(odd.clone()),
            VideoRoomEvent::Unknown(odd)
        );
        let odd = json!({"videoroom": "event", "room": 1, "brand_new": true});
        assert_eq!(
            VideoRoomEvent::parse(odd.clone()),
            VideoRoomEvent::Unknown(odd)
        );
    }
}
