//! Typed messages of the Janus core API (the "JSON API" of the Janus docs, `janus.c`): the
//! requests a client sends and everything Janus sends back, acks, successes, errors and the
//! unsolicited events.
//!
//! Invariants: parsing never drops a message. Anything that does not fit a known shape is kept
//! whole as [`Incoming::Unknown`] so the session can log it and route it by `sender`. Ids go
//! through the newtypes of [`crate::id`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::id::{HandleId, SessionId};

/// An SDP offer or answer as Janus carries it next to a plugin message.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jsep {
    #[serde(rename = "type")]
    pub kind: SdpType,
    pub sdp: String,
    /// Set by Janus when the offer restarts ICE; clients may set it on renegotiation.
    pub restart: Option<bool>,
    /// `false` when the sender does not trickle candidates.
    pub trickle: Option<bool>,
}

/// `offer` or `answer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SdpType {
    Offer,
    Answer,
}

impl Jsep {
    /// An offer with this SDP.
    pub fn offer(sdp: impl Into<String>) -> Self {
        Self {
            kind: SdpType::Offer,
            sdp: sdp.into(),
            restart: None,
            trickle: None,
        }
    }

    /// An answer with this SDP.
    pub fn answer(sdp: impl Into<String>) -> Self {
        Self {
            kind: SdpType::Answer,
            ..Self::offer(sdp)
        }
    }
}

/// An ICE candidate as trickled to Janus (`{"completed": true}` ends the trickle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Candidate {
    Candidate {
        candidate: String,
        #[serde(rename = "sdpMid", default, skip_serializing_if = "Option::is_none")]
        sdp_mid: Option<String>,
        #[serde(
            rename = "sdpMLineIndex",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        sdp_mline_index: Option<u32>,
    },
    Completed {
        completed: bool,
    },
}

/// A request of the core API, without the envelope fields (transaction, ids, auth).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "janus", rename_all = "lowercase")]
pub enum Request {
    /// Server information (`GET /info` over HTTP; works over any transport).
    Info,
    /// Liveness check answered by `pong`.
    Ping,
    /// Creates a session; `id` asks for a specific session id.
    Create {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<SessionId>,
    },
    /// Re-binds an existing session to this transport (needs `reclaim_session_timeout` when
    /// the old transport is gone).
    Claim,
    /// Resets the session timeout; answered by an `ack` only.
    Keepalive,
    /// Destroys the session.
    Destroy,
    /// Attaches a plugin handle.
    Attach {
        plugin: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        opaque_id: Option<String>,
    },
    /// Detaches a handle.
    Detach,
    /// Tears down the handle's PeerConnection.
    Hangup,
    /// A plugin message with an optional JSEP.
    Message {
        body: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        jsep: Option<Jsep>,
    },
    /// Trickled candidates; answered by an `ack` only.
    Trickle {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        candidate: Option<Candidate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        candidates: Option<Vec<Candidate>>,
    },
}

impl Request {
    /// The `janus` verb, for error messages and logs.
    pub fn verb(&self) -> &'static str {
        match self {
            Request::Info => "info",
            Request::Ping => "ping",
            Request::Create { .. } => "create",
            Request::Claim => "claim",
            Request::Keepalive => "keepalive",
            Request::Destroy => "destroy",
            Request::Attach { .. } => "attach",
            Request::Detach => "detach",
            Request::Hangup => "hangup",
            Request::Message { .. } => "message",
            Request::Trickle { .. } => "trickle",
        }
    }

    /// False for the requests Janus accepts only without a `session_id` (info, ping, create).
    pub fn needs_session(&self) -> bool {
        !matches!(self, Request::Info | Request::Ping | Request::Create { .. })
    }

    /// True when an `ack` is the whole answer (keepalive, trickle).
    pub fn ack_is_final(&self) -> bool {
        matches!(self, Request::Keepalive | Request::Trickle { .. })
    }
}

/// A request with the fields every request carries.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    #[serde(flatten)]
    pub request: Request,
    pub transaction: String,
    pub session_id: Option<SessionId>,
    pub handle_id: Option<HandleId>,
    /// A stored or signed token (`token_auth`).
    pub token: Option<String>,
    /// The shared `api_secret`.
    pub apisecret: Option<String>,
}

/// `plugindata` of a plugin answer or event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginData {
    pub plugin: String,
    pub data: Value,
}

/// `error` of an error answer.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: u16,
    pub reason: Option<String>,
}

/// A message from Janus whose `janus` verb this client knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "janus", rename_all = "lowercase")]
pub enum Known {
    Ack {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<SessionId>,
    },
    Success {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<SessionId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sender: Option<HandleId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plugindata: Option<PluginData>,
    },
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<SessionId>,
        error: ErrorBody,
    },
    Event {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<SessionId>,
        sender: HandleId,
        plugindata: PluginData,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        jsep: Option<Jsep>,
    },
    /// The PeerConnection of `sender` is up (ICE and DTLS done).
    Webrtcup {
        session_id: SessionId,
        sender: HandleId,
    },
    /// Janus started or stopped receiving a stream.
    Media {
        session_id: SessionId,
        sender: HandleId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mid: Option<String>,
        #[serde(rename = "type")]
        kind: String,
        receiving: bool,
    },
    /// Packet loss above the slowlink threshold.
    Slowlink {
        session_id: SessionId,
        sender: HandleId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mid: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media: Option<String>,
        uplink: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lost: Option<u64>,
    },
    /// The PeerConnection of `sender` went away.
    Hangup {
        session_id: SessionId,
        sender: HandleId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The handle was detached (by request, admin or the plugin).
    Detached {
        session_id: SessionId,
        sender: HandleId,
    },
    /// A candidate trickled by Janus.
    Trickle {
        session_id: SessionId,
        sender: HandleId,
        candidate: Value,
    },
    /// The session timed out on the server and no longer exists.
    Timeout { session_id: SessionId },
    /// The HTTP long-poll's answer after 30 s without events.
    Keepalive {},
    /// Answer to `ping`.
    Pong {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<String>,
    },
    /// Answer to `info`; fields kept as JSON.
    #[serde(rename = "server_info")]
    ServerInfo {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<String>,
        #[serde(flatten)]
        info: serde_json::Map<String, Value>,
    },
}

/// Anything Janus sends: a [`Known`] message, or the raw JSON of one this client does not know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Incoming {
    Known(Known),
    Unknown(Value),
}

impl Incoming {
    /// Parses one message; never fails: unknown shapes become [`Incoming::Unknown`].
    pub fn parse(value: Value) -> Self {
        match serde_json::from_value::<Known>(value.clone()) {
            Ok(known) => Incoming::Known(known),
            Err(_) => Incoming::Unknown(value),
        }
    }

    /// The transaction this message answers, if any.
    pub fn transaction(&self) -> Option<&str> {
        match self {
            Incoming::Known(
                Known::Ack { transaction, .. }
                | Known::Success { transaction, .. }
                | Known::Error { transaction, .. }
                | Known::Event { transaction, .. }
                | Known::Pong { transaction }
                | Known::ServerInfo { transaction, .. },
            ) => transaction.as_deref(),
            Incoming::Unknown(v) => v.get("transaction").and_then(Value::as_str),
            _ => None,
        }
    }

    /// The handle this message is about, if any (`sender`).
    pub fn sender(&self) -> Option<HandleId> {
        match self {
            Incoming::Known(
                Known::Event { sender, .. }
                | Known::Webrtcup { sender, .. }
                | Known::Media { sender, .. }
                | Known::Slowlink { sender, .. }
                | Known::Hangup { sender, .. }
                | Known::Detached { sender, .. }
                | Known::Trickle { sender, .. },
            ) => Some(*sender),
            Incoming::Known(Known::Success { sender, .. }) => *sender,
            Incoming::Unknown(v) => v.get("sender").and_then(Value::as_u64).map(HandleId),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn round_trip(value: Value) -> Incoming {
        let parsed = Incoming::parse(value.clone());
        let back = serde_json::to_value(&parsed).expect("serializes");
        assert_eq!(back, value, "round trip of {parsed:?}");
        parsed
    }

    #[test]
    fn known_messages_round_trip() {
        let samples = [
            json!({"janus": "ack", "session_id": 1, "transaction": "t1"}),
            json!({"janus": "success", "transaction": "t2", "data": {"id": 42}}),
            json!({"janus": "success", "transaction": "t3", "session_id": 1, "sender": 2,
                   "plugindata": {"plugin": "janus.plugin.videoroom", "data": {"videoroom": "success", "exists": true, "room": 5}}}),
            json!({"janus": "error", "transaction": "t4", "error": {"code": 458, "reason": "No such session 1"}}),
            json!({"janus": "event", "session_id": 1, "sender": 2, "transaction": "t5",
                   "plugindata": {"plugin": "janus.plugin.videoroom", "data": {"videoroom": "joined", "room": 5, "id": 9}},
                   "jsep": {"type": "offer", "sdp": "v=0\r\n"}}),
            json!({"janus": "webrtcup", "session_id": 1, "sender": 2}),
            json!({"janus": "media", "session_id": 1, "sender": 2, "mid": "0", "type": "audio", "receiving": true}),
            json!({"janus": "slowlink", "session_id": 1, "sender": 2, "mid": "1", "media": "video", "uplink": false, "lost": 12}),
            json!({"janus": "hangup", "session_id": 1, "sender": 2, "reason": "DTLS alert"}),
            json!({"janus": "detached", "session_id": 1, "sender": 2}),
            json!({"janus": "timeout", "session_id": 1}),
            json!({"janus": "keepalive"}),
        ];
        for sample in samples {
            assert!(matches!(round_trip(sample), Incoming::Known(_)));
        }
    }

    #[test]
    fn unknown_messages_are_kept_whole() {
        let odd = json!({"janus": "something_new", "session_id": 1, "sender": 7, "x": [1, 2]});
        let parsed = round_trip(odd.clone());
        assert_eq!(parsed, Incoming::Unknown(odd));
        assert_eq!(parsed.sender(), Some(HandleId(7)));
        // A known verb with a surprising shape is kept too, not dropped.
        let odd_event = json!({"janus": "event", "session_id": 1});
        assert!(matches!(round_trip(odd_event), Incoming::Unknown(_)));
    }

    #[test]
    fn requests_round_trip_with_envelope() {
        let requests = [
            Request::Create { id: None },
            Request::Claim,
            Request::Keepalive,
            Request::Attach {
                plugin: "janus.plugin.videoroom".into(),
                opaque_id: Some("o".into()),
            },
            Request::Message {
                body: json!({"request": "list"}),
                jsep: Some(Jsep::answer("v=0")),
            },
            Request::Trickle {
                candidate: Some(Candidate::Completed { completed: true }),
                candidates: None,
            },
        ];
        for request in requests {
            let envelope = Envelope {
                request,
                transaction: "t".into(),
                session_id: Some(SessionId(1)),
                handle_id: Some(HandleId(2)),
                token: Some("tok".into()),
                apisecret: None,
            };
            let value = serde_json::to_value(&envelope).expect("serializes");
            assert_eq!(value["token"], "tok");
            let back: Envelope = serde_json::from_value(value).expect("deserializes");
            assert_eq!(back, envelope);
        }
    }
}
