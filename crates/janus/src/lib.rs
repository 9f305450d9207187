//! Janus WebRTC Gateway client for Mailcall: WebSocket and HTTP long-poll transports, a session
//! actor (keepalive, reconnect with `claim`, fallback servers), plugin handles, typed VideoRoom
//! and Admin APIs, signed tokens, and pure planners for large rooms (video slots, simulcast
//! layers, roster).
//!
//! Written against Janus 1.1.2 and its docs ("The Janus API", "VideoRoom plugin", "Admin/Monitor
//! API", "Authenticating the Janus API"). No GUI code lives here; the desktop app, the CLI and
//! tests use the same crate.
//!
//! Numeric ids only: Janus can be configured for string ids, which this crate does not speak.

mod actor;
pub mod admin;
pub mod backoff;
pub mod error;
pub mod handle;
pub mod http;
pub mod id;
pub mod message;
pub mod plan;
pub mod roster;
mod server;
pub mod session;
pub mod token;
pub mod transaction;
pub mod transport;
pub mod videoroom;

pub use backoff::Backoff;
pub use error::{Error, JanusCode, Result, VideoRoomCode};
pub use handle::{Handle, HandleEvent, HandleEvents, PluginReply};
pub use id::{FeedId, HandleId, RoomId, SessionId};
pub use message::{Candidate, Jsep, SdpType};
pub use session::{LossReason, Session, SessionConfig, SessionEvent, SessionEvents, SessionStatus};
pub use transport::Endpoint;
