//! Calls on Janus VideoRoom for Mailcall: a [`Call`] joins a room as an attendee (no
//! publishing; one multistream subscriber with N video slots moved by `switch` to the active
//! speakers, plus every publisher's audio) or as a speaker (publisher and subscriber), keeps
//! the roster on demand, and rejoins by itself when the server restarts. Media goes through a
//! [`MediaEngine`]: [`HeadlessMedia`] (webrtc-rs) here, the webview engine in the desktop app.
//!
//! Also the load test ([`loadtest`]) and the pre-flight check ([`preflight`]) operators run
//! before an all-hands. Follows ARCHITECTURE.md §4 (all-hands strategy) and the VideoRoom docs
//! of Janus 1.1.2.

mod actor;
mod call;
pub mod error;
pub mod event;
pub mod loadtest;
pub mod media;
pub mod meter;
pub mod preflight;
pub mod state;

pub use call::{Call, CallEvents, CallStatus, RosterMember, RosterPage, StreamSource, View};
pub use error::{Error, Result};
pub use event::{CallConfig, CallEvent, EndReason, Leg, ReconnectReason, Role};
/// The error and its causes on one line.
pub use mailcall_errors::chain as error_chain;
pub use media::{HeadlessConfig, HeadlessMedia, MediaEngine};
pub use meter::{FeedStats, Meter};
pub use state::{CallState, Feed, Plan};
