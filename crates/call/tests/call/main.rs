//! Integration tests of the call controller against a real Janus 1.1.2 in a network namespace,
//! with headless webrtc-rs participants as the media.
//!
//! A machine that cannot run the Janus lab fails these tests with the reason.

#![allow(clippy::unwrap_used)]

mod lab;
mod reconnect;
mod slots;
