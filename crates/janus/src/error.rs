//! The one error type of this crate, with Janus error codes as typed values.
//!
//! Invariants: messages say what was being attempted; a Janus error keeps the server's
//! `reason` verbatim next to the typed code. [`Error::is_transient`] is what the reconnect
//! backoff consults: only transport trouble, timeouts and a server that is draining (472) are
//! worth retrying as they are. Codes follow `apierror.h` (core) and the `JANUS_VIDEOROOM_ERROR_*`
//! macros of `janus_videoroom.c` in Janus 1.1.2.

use std::time::Duration;

use crate::id::{HandleId, SessionId};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong talking to Janus.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The transport could not be opened.
    #[error("cannot connect to Janus at {url}")]
    Connect {
        url: String,
        #[source]
        source: BoxError,
    },
    /// The transport broke while a request was in flight or while waiting for events.
    #[error("lost the connection to Janus at {url} while {doing}")]
    TransportLost {
        url: String,
        doing: String,
        #[source]
        source: Option<BoxError>,
    },
    /// Janus core answered with an error.
    #[error("Janus refused {request}: {} ({}) {reason:?}", code.describe(), code.number())]
    Janus {
        request: String,
        code: JanusCode,
        reason: String,
    },
    /// The VideoRoom plugin answered with an `error_code`.
    #[error("VideoRoom refused {request}: {} ({}) {reason:?}", code.describe(), code.number())]
    VideoRoom {
        request: String,
        code: VideoRoomCode,
        reason: String,
    },
    /// No answer came in time.
    #[error("no answer from Janus to {request} within {timeout:?}")]
    Timeout { request: String, timeout: Duration },
    /// An answer arrived but did not have the expected shape.
    #[error("cannot decode the answer to {request}")]
    Decode {
        request: String,
        #[source]
        source: serde_json::Error,
    },
    /// An answer arrived that makes no sense for the request (kept for diagnosis).
    #[error("unexpected answer to {request}: {answer}")]
    Unexpected {
        request: String,
        answer: serde_json::Value,
    },
    /// The session is between transports; the request was not sent.
    #[error("cannot send {request}: the session is reconnecting")]
    NotConnected { request: String },
    /// The Janus session behind a handle is gone (timed out, server restarted); a new session
    /// may exist, but this handle does not.
    #[error("cannot use handle {handle:?} of session {session}: that session is gone")]
    SessionGone {
        session: SessionId,
        handle: Option<HandleId>,
    },
    /// Every configured server refused or failed to create a session.
    #[error("no Janus server accepted a new session (tried {tried:?})")]
    NoServer {
        tried: Vec<String>,
        #[source]
        last: Box<Error>,
    },
    /// The session actor has stopped (closed, or every clone dropped).
    #[error("cannot reach the Janus session: it is closed")]
    Closed,
    /// A configuration value is unusable (URL scheme, token format...).
    #[error("invalid {what}: {value}")]
    Invalid { what: &'static str, value: String },
}

impl Error {
    /// Worth retrying as is (same request, maybe another server): transport trouble, timeouts,
    /// a reconnecting session, a draining server.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Connect { .. }
            | Error::TransportLost { .. }
            | Error::Timeout { .. }
            | Error::NotConnected { .. } => true,
            Error::Janus { code, .. } => matches!(code, JanusCode::NotAcceptingSessions),
            Error::NoServer { last, .. } => last.is_transient(),
            _ => false,
        }
    }

    /// The Janus core code, when Janus core refused the request.
    pub fn janus_code(&self) -> Option<JanusCode> {
        match self {
            Error::Janus { code, .. } => Some(*code),
            Error::NoServer { last, .. } => last.janus_code(),
            _ => None,
        }
    }

    /// The VideoRoom code, when the plugin refused the request.
    pub fn videoroom_code(&self) -> Option<VideoRoomCode> {
        match self {
            Error::VideoRoom { code, .. } => Some(*code),
            _ => None,
        }
    }

    pub(crate) fn janus(request: &str, code: u16, reason: Option<String>) -> Self {
        Error::Janus {
            request: request.to_owned(),
            code: JanusCode::from_number(code),
            reason: reason.unwrap_or_default(),
        }
    }
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

macro_rules! codes {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $num:literal => $text:literal,)* }) => {
        $(#[$doc])*
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(#[doc = $text] $variant,)*
            /// A code this client does not know.
            Other(u16),
        }

        impl $name {
            /// The typed code for a number from the wire.
            pub fn from_number(number: u16) -> Self {
                match number {
                    $($num => Self::$variant,)*
                    other => Self::Other(other),
                }
            }

            /// The number on the wire.
            pub fn number(self) -> u16 {
                match self {
                    $(Self::$variant => $num,)*
                    Self::Other(n) => n,
                }
            }

            /// A short human description.
            pub fn describe(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(_) => "unknown error code",
                }
            }
        }
    };
}

codes!(
    /// Janus core error codes (`apierror.h`).
    JanusCode {
        Unauthorized = 403 => "unauthorized (wrong or missing api secret or token)",
        UnauthorizedPlugin = 405 => "unauthorized to use this plugin",
        TransportSpecific = 450 => "transport-specific error",
        MissingRequest = 452 => "missing request",
        UnknownRequest = 453 => "unknown request",
        InvalidJson = 454 => "invalid JSON",
        InvalidJsonObject = 455 => "invalid JSON object",
        MissingMandatoryElement = 456 => "missing mandatory element",
        InvalidRequestPath = 457 => "invalid request for this path",
        SessionNotFound = 458 => "no such session",
        HandleNotFound = 459 => "no such handle",
        PluginNotFound = 460 => "no such plugin",
        PluginAttach = 461 => "cannot attach to the plugin",
        PluginMessage = 462 => "cannot deliver the message to the plugin",
        PluginDetach = 463 => "cannot detach from the plugin",
        JsepUnknownType = 464 => "unknown JSEP type",
        JsepInvalidSdp = 465 => "invalid SDP",
        TrickleInvalidStream = 466 => "invalid stream for trickle",
        InvalidElementType = 467 => "invalid element type",
        SessionConflict = 468 => "session id already in use",
        UnexpectedAnswer = 469 => "unexpected SDP answer",
        TokenNotFound = 470 => "no such token",
        WebrtcState = 471 => "wrong WebRTC state",
        NotAcceptingSessions = 472 => "not accepting new sessions (server draining)",
        Unknown = 490 => "unknown error",
    }
);

codes!(
    /// VideoRoom plugin error codes (`JANUS_VIDEOROOM_ERROR_*`).
    VideoRoomCode {
        NoMessage = 421 => "no message",
        InvalidJson = 422 => "invalid JSON",
        InvalidRequest = 423 => "invalid request",
        JoinFirst = 424 => "join the room first",
        AlreadyJoined = 425 => "already joined",
        NoSuchRoom = 426 => "no such room",
        RoomExists = 427 => "room already exists",
        NoSuchFeed = 428 => "no such feed (or not active yet)",
        MissingElement = 429 => "missing element (e.g. admin_key)",
        InvalidElement = 430 => "invalid element",
        InvalidSdpType = 431 => "invalid SDP type",
        PublishersFull = 432 => "room full (maximum number of publishers reached)",
        Unauthorized = 433 => "unauthorized (wrong secret, pin, token or admin_key)",
        AlreadyPublished = 434 => "already published",
        NotPublished = 435 => "not published",
        IdExists = 436 => "participant id already exists",
        InvalidSdp = 437 => "invalid SDP",
        Unknown = 499 => "unknown error",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_describe() {
        assert_eq!(JanusCode::from_number(458), JanusCode::SessionNotFound);
        assert_eq!(JanusCode::from_number(472).number(), 472);
        assert_eq!(JanusCode::from_number(999), JanusCode::Other(999));
        assert_eq!(
            VideoRoomCode::from_number(432),
            VideoRoomCode::PublishersFull
        );
        let e = Error::janus("create", 403, Some("Unauthorized request".into()));
        assert!(e.to_string().contains("403"), "{e}");
        assert!(!e.is_transient());
        assert!(Error::janus("create", 472, None).is_transient());
    }
}
