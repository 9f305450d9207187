//! Integration tests of the headless participants: against a real Janus 1.1.2 in a network
//! namespace, and peer to peer over the namespace's veth pair.
//!
//! Outside CI a machine without Janus, `ip`, root or ffmpeg skips with a note; under `CI=true`
//! that is a failure.

mod direct;
mod failure;
mod lab;
mod publish;
mod samples;
mod talking;
mod turn;
mod videoroom;
