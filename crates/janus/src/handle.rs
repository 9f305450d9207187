//! Plugin handles: a cheap, cloneable [`Handle`] that sends plugin messages through its
//! session, and the [`HandleEvents`] stream of everything Janus says about that handle.
//!
//! Invariants:
//! - Events without a transaction (and duplicates of answered ones) reach the handle they
//!   name in `sender`, in the order Janus sent them.
//! - When the session behind a handle is gone (server restart, timeout), the stream yields
//!   [`HandleEvent::SessionLost`] and then ends: the handle id is meaningless on the new
//!   session, and the owner must attach again and rejoin.
//! - The handle does not own the socket: requests go through the session actor, which is the
//!   only owner of the transport.

use serde_json::Value;
use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::id::{HandleId, SessionId};
use crate::message::{Candidate, Incoming, Jsep, Known, Request};
use crate::session::Session;
use crate::transaction::Reply;

/// Something Janus reported about one handle.
#[derive(Debug, Clone, PartialEq)]
pub enum HandleEvent {
    /// A plugin event (`janus: event`) not answering a pending request.
    Plugin { data: Value, jsep: Option<Jsep> },
    /// ICE and DTLS are up.
    WebrtcUp,
    /// Janus started or stopped receiving a stream.
    Media {
        mid: Option<String>,
        kind: String,
        receiving: bool,
    },
    /// Packet loss above the slowlink threshold.
    SlowLink {
        mid: Option<String>,
        media: Option<String>,
        uplink: bool,
        lost: Option<u64>,
    },
    /// The PeerConnection went away.
    Hangup { reason: Option<String> },
    /// Janus detached the handle.
    Detached,
    /// A candidate trickled by Janus.
    Trickle { candidate: Value },
    /// The session is gone; this handle no longer exists. `replaced_by` is the new session,
    /// when one has been made already.
    SessionLost { replaced_by: Option<SessionId> },
    /// A message about this handle that this client does not know; kept whole.
    Unknown(Value),
}

impl HandleEvent {
    pub(crate) fn from_incoming(message: Incoming) -> Self {
        match message {
            Incoming::Known(Known::Event {
                plugindata, jsep, ..
            }) => HandleEvent::Plugin {
                data: plugindata.data,
                jsep,
            },
            Incoming::Known(Known::Webrtcup { .. }) => HandleEvent::WebrtcUp,
            Incoming::Known(Known::Media {
                mid,
                kind,
                receiving,
                ..
            }) => HandleEvent::Media {
                mid,
                kind,
                receiving,
            },
            Incoming::Known(Known::Slowlink {
                mid,
                media,
                uplink,
                lost,
                ..
            }) => HandleEvent::SlowLink {
                mid,
                media,
                uplink,
                lost,
            },
            Incoming::Known(Known::Hangup { reason, .. }) => HandleEvent::Hangup { reason },
            Incoming::Known(Known::Detached { .. }) => HandleEvent::Detached,
            Incoming::Known(Known::Trickle { candidate, .. }) => HandleEvent::Trickle { candidate },
            other => {
                let value = serde_json::to_value(&other).unwrap_or(Value::Null);
                tracing::warn!(%value, "unknown message for a handle; kept as Unknown");
                HandleEvent::Unknown(value)
            }
        }
    }
}

/// The events of one handle, in order.
#[derive(Debug)]
pub struct HandleEvents {
    pub(crate) rx: mpsc::UnboundedReceiver<HandleEvent>,
}

impl HandleEvents {
    /// The next event; `None` once the handle is detached or its session is gone.
    pub async fn recv(&mut self) -> Option<HandleEvent> {
        self.rx.recv().await
    }

    /// An event if one is already queued.
    pub fn try_recv(&mut self) -> Option<HandleEvent> {
        self.rx.try_recv().ok()
    }
}

/// A plugin's answer to a message.
#[derive(Debug, Clone, PartialEq)]
pub enum PluginReply {
    /// Synchronous answer (`success` with `plugindata`).
    Sync(Value),
    /// The event that finished an asynchronous request, with its JSEP if any.
    Async { data: Value, jsep: Option<Jsep> },
}

impl PluginReply {
    /// The plugin's `data`, whichever way it came.
    pub fn data(&self) -> &Value {
        match self {
            PluginReply::Sync(data) | PluginReply::Async { data, .. } => data,
        }
    }

    /// The JSEP that came with an asynchronous answer.
    pub fn jsep(&self) -> Option<&Jsep> {
        match self {
            PluginReply::Async { jsep, .. } => jsep.as_ref(),
            PluginReply::Sync(_) => None,
        }
    }
}

/// A plugin handle of a [`Session`].
#[derive(Debug, Clone)]
pub struct Handle {
    pub(crate) session: Session,
    pub(crate) id: HandleId,
    pub(crate) plugin: String,
}

impl Handle {
    /// The handle id on the current session.
    pub fn id(&self) -> HandleId {
        self.id
    }

    /// The plugin package (e.g. `janus.plugin.videoroom`).
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// The session this handle belongs to.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Sends a plugin message and waits for the plugin's answer: the synchronous `success`, or
    /// the `event` carrying this request's transaction.
    pub async fn message(&self, body: Value, jsep: Option<Jsep>) -> Result<PluginReply> {
        let reply = self
            .session
            .request(Request::Message { body, jsep }, Some(self.id))
            .await?;
        match reply {
            Reply::Success {
                plugindata: Some(p),
                ..
            } => Ok(PluginReply::Sync(p.data)),
            Reply::Event { plugindata, jsep } => Ok(PluginReply::Async {
                data: plugindata.data,
                jsep,
            }),
            other => Err(Error::Unexpected {
                request: "message".into(),
                answer: Value::String(format!("{other:?}")),
            }),
        }
    }

    /// Trickles one candidate (or `Candidate::Completed`).
    pub async fn trickle(&self, candidate: Candidate) -> Result<()> {
        let request = Request::Trickle {
            candidate: Some(candidate),
            candidates: None,
        };
        self.session.request(request, Some(self.id)).await.map(drop)
    }

    /// Tears down the PeerConnection, keeping the handle.
    pub async fn hangup(&self) -> Result<()> {
        self.session
            .request(Request::Hangup, Some(self.id))
            .await
            .map(drop)
    }

    /// Detaches the handle; its event stream ends.
    pub async fn detach(&self) -> Result<()> {
        self.session.detach(self.id).await
    }
}
