//! Integration tests of the headless participants: against a real Janus 1.1.2 in a network
//! namespace, and peer to peer over the namespace's veth pair.
//!
//! A machine without Janus, coturn, `ip`, root or ffmpeg fails these tests with the reason.

mod direct;
mod failure;
mod lab;
mod publish;
mod samples;
mod talking;
mod turn;
mod videoroom;
