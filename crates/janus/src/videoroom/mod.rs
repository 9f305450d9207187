//! The VideoRoom plugin (`janus.plugin.videoroom`, Janus 1.1.2, docs at the top of
//! `janus_videoroom.c`): typed requests, answers and events, and typed clients over a plugin
//! [`Handle`]: [`Rooms`] for room administration, [`Publisher`] and [`Subscriber`] for the two
//! kinds of participant handles.
//!
//! Invariants: an answer carrying `error_code` always becomes [`Error::VideoRoom`]; answers
//! are decoded into the type the request promises, and a surprising one is an
//! [`Error::Unexpected`] holding the JSON, never a silent default.

mod event;
mod participant;
mod participant_request;
mod request;
mod response;
mod room;

pub use event::{
    Attendee, Joined, PublishedStream, PublisherInfo, Subscription, SubscriptionStream,
    VideoRoomEvent,
};
pub use participant::{Publisher, Subscriber, SubscriptionChange};
pub use participant_request::{
    ConfigurePublisher, ConfigureSubscriber, Description, JoinAndConfigure, JoinPublisher,
    JoinSubscriber, Publish, PublisherRequest, PublisherStream, SubscribeStream, SubscriberRequest,
    SubscriberStream, SwitchStream, UnsubscribeStream,
};
pub use request::{
    AddRemotePublisher, Allowed, AllowedAction, CreateRoom, DestroyRoom, EditRoom, EnableRecording,
    ForwardStream, Kick, Moderate, Ptype, PublishRemotely, RemoteStream, RoomRequest, RtpForward,
    StopRtpForward, UpdateRemotePublisher,
};
pub use response::{
    AllowedList, Created, Exists, Forwarder, Forwarders, Participant, Participants,
    PublishedRemotely, PublisherForwarders, Remote, RemotePublisherAdded, Remotes, RoomAnswer,
    RoomInfo, RoomList, RtpForwardStopped, RtpForwarded,
};
pub use room::Rooms;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result, VideoRoomCode};
use crate::handle::{HandleEvent, HandleEvents};
use crate::message::Jsep;

/// The plugin package name.
pub const PLUGIN: &str = "janus.plugin.videoroom";

/// Fails with a typed error when `data` carries `error_code`.
pub(crate) fn check(request: &str, data: Value) -> Result<Value> {
    if let Some(code) = data.get("error_code").and_then(Value::as_u64) {
        let reason = data
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return Err(Error::VideoRoom {
            request: request.to_owned(),
            code: VideoRoomCode::from_number(code as u16),
            reason: reason.to_owned(),
        });
    }
    Ok(data)
}

/// Decodes checked `data` into `T`.
pub(crate) fn decode<T: DeserializeOwned>(request: &str, data: Value) -> Result<T> {
    let data = check(request, data)?;
    serde_json::from_value(data).map_err(|source| Error::Decode {
        request: request.to_owned(),
        source,
    })
}

pub(crate) fn body<T: serde::Serialize>(request: &T) -> Value {
    // Plain data structs always serialize.
    serde_json::to_value(request).unwrap_or(Value::Null)
}

/// What a VideoRoom handle hears: plugin events, typed, and the core's per-handle events.
#[derive(Debug, Clone, PartialEq)]
pub enum RoomEvent {
    /// A VideoRoom event, with the JSEP Janus attached (e.g. a renegotiation offer).
    VideoRoom {
        event: VideoRoomEvent,
        jsep: Option<Jsep>,
    },
    /// `webrtcup`, `media`, `slowlink`, `hangup`, `detached`, `trickle`, session loss.
    Core(HandleEvent),
}

/// The typed event stream of a VideoRoom handle.
#[derive(Debug)]
pub struct VideoRoomEvents {
    inner: HandleEvents,
}

impl VideoRoomEvents {
    pub fn new(inner: HandleEvents) -> Self {
        Self { inner }
    }

    /// The next event; `None` once the handle is gone.
    pub async fn recv(&mut self) -> Option<RoomEvent> {
        let event = self.inner.recv().await?;
        Some(match event {
            HandleEvent::Plugin { data, jsep } => RoomEvent::VideoRoom {
                event: VideoRoomEvent::parse(data),
                jsep,
            },
            other => RoomEvent::Core(other),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::id::{FeedId, RoomId};

    fn round_trip<T>(value: &T) -> Value
    where
        T: serde::Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let json = serde_json::to_value(value).expect("serializes");
        let back: T = serde_json::from_value(json.clone()).expect("deserializes");
        assert_eq!(&back, value);
        json
    }

    #[test]
    fn room_requests_use_the_wire_names() {
        let room = RoomId(7);
        let cases = [
            (RoomRequest::ListParticipants { room }, "listparticipants"),
            (
                RoomRequest::ListForwarders { room, secret: None },
                "listforwarders",
            ),
            (
                RoomRequest::ListRemotes {
                    room,
                    publisher_id: FeedId(1),
                    secret: None,
                },
                "listremotes",
            ),
            (
                RoomRequest::RemoveRemotePublisher {
                    room,
                    id: FeedId(1),
                    secret: None,
                },
                "remove_remote_publisher",
            ),
            (
                RoomRequest::EnableRecording(EnableRecording {
                    room,
                    record: true,
                    secret: None,
                }),
                "enable_recording",
            ),
        ];
        for (request, verb) in cases {
            let json = round_trip(&request);
            assert_eq!(json["request"], verb);
            assert_eq!(request.verb(), verb);
        }
        let create = RoomRequest::Create(CreateRoom {
            room: Some(room),
            publishers: Some(1),
            extra: [("h264_profile".to_string(), json!("42e01f"))]
                .into_iter()
                .collect(),
            ..Default::default()
        });
        let json = round_trip(&create);
        assert_eq!(
            json,
            json!({"request": "create", "room": 7, "publishers": 1, "h264_profile": "42e01f"})
        );
    }

    #[test]
    fn participant_requests_round_trip() {
        let join = PublisherRequest::JoinAndConfigure(JoinAndConfigure {
            join: JoinPublisher {
                room: RoomId(7),
                display: Some("Ann".into()),
                ..Default::default()
            },
            publish: Publish {
                bitrate: Some(512_000),
                ..Default::default()
            },
        });
        let json = round_trip(&join);
        assert_eq!(json["request"], "joinandconfigure");
        assert_eq!(json["ptype"], "publisher");
        assert_eq!(json["bitrate"], 512_000);
        let switch = SubscriberRequest::Switch {
            streams: vec![SwitchStream {
                feed: FeedId(3),
                mid: "1".into(),
                sub_mid: "2".into(),
            }],
        };
        assert_eq!(
            round_trip(&switch),
            json!({"request": "switch", "streams": [{"feed": 3, "mid": "1", "sub_mid": "2"}]})
        );
        let update = SubscriberRequest::Update {
            subscribe: Some(vec![SubscribeStream {
                feed: FeedId(4),
                substream: Some(0),
                ..Default::default()
            }]),
            unsubscribe: None,
        };
        assert_eq!(round_trip(&update)["subscribe"][0]["substream"], 0);
        assert_eq!(
            round_trip(&SubscriberRequest::Pause),
            json!({"request": "pause"})
        );
    }

    #[test]
    fn errors_in_data_become_typed() {
        let err = check(
            "join",
            json!({"videoroom": "event", "error_code": 426, "error": "No such room (9)"}),
        )
        .expect_err("an error");
        assert_eq!(err.videoroom_code(), Some(VideoRoomCode::NoSuchRoom));
        assert!(err.to_string().contains("no such room"), "{err}");
    }
}
