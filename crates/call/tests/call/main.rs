//! Integration tests of the call controller against a real Janus 1.1.2 in a network namespace,
//! with headless webrtc-rs participants as the media.
//!
//! Outside CI a machine without the Janus lab skips with a note; under `CI=true` that is a
//! failure.

#![allow(clippy::unwrap_used)]

mod lab;
mod reconnect;
mod slots;
