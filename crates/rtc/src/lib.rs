//! Native WebRTC media for Mailcall on webrtc-rs (the `webrtc` crate, 0.21): headless
//! participants that publish pre-encoded VP8/Opus samples and subscribe to Janus VideoRoom
//! streams, for the integration tests, the load test and the pre-flight.
//!
//! Signalling is not here: a [`Publisher`] gives an offer and takes an answer, a
//! [`Subscriber`] takes an offer and gives an answer, candidates travel as [`IceCandidate`]s.
//! The Janus client carries them. Each participant measures its [`Timings`] and counts what
//! it sent or received ([`PublisherStats`], [`SubscriberStats`]).
//!
//! Many participants in one process are cheap: the samples are parsed once and shared
//! (`Arc<MediaSamples>`), a publisher is two pacing tasks, a subscriber one reader task per
//! track, and no participant decodes media.

pub mod assembly;
mod codec;
pub mod error;
mod observer;
pub mod participant;
pub mod publisher;
pub mod reception;
pub mod sample;
pub mod stats;
pub mod subscriber;

pub use assembly::{Assembled, Assembler, Frame};
pub use error::{Error, Result};
pub use participant::{
    ConnectionState, Gathering, IceCandidate, IcePolicy, IceServer, ParticipantConfig, Status,
    TrackFrame, Trickle, TrickleEvents,
};
pub use publisher::{AudioLevel, Publisher, PublisherConfig};
pub use reception::{Reception, ReceptionCounts};
pub use sample::{EncodedFrame, MediaSamples};
pub use stats::{MediaKind, PublisherStats, ReceivedStream, SentStream, SubscriberStats, Timings};
pub use subscriber::Subscriber;
