//! The errors of headless participants. Each variant says what was being attempted; the
//! webrtc-rs error, when there is one, is the `#[source]` and is not repeated in the message.

use std::time::Duration;

/// The webrtc-rs error type (its sans-IO core's), re-exported so callers need not depend on it.
pub type WebrtcError = webrtc::error::Error;

/// Why a participant could not be built, negotiated, connected or fed with samples.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Building the peer connection (sockets, codecs, interceptors) failed.
    #[error("cannot build the peer connection bound to {bind}")]
    Build {
        bind: std::net::SocketAddr,
        #[source]
        source: WebrtcError,
    },
    /// A negotiation step (`create_offer`, `set_remote_description`, ...) failed.
    #[error("cannot {step}")]
    Negotiation {
        step: &'static str,
        #[source]
        source: WebrtcError,
    },
    /// The remote answer is not an SDP answer this participant can apply.
    #[error("the remote answer cannot be applied")]
    InvalidAnswer {
        #[source]
        source: WebrtcError,
    },
    /// The remote offer is not an SDP offer this participant can answer.
    #[error("the remote offer cannot be answered")]
    InvalidOffer {
        #[source]
        source: WebrtcError,
    },
    /// A remote ICE candidate was rejected.
    #[error("cannot add the remote ICE candidate {candidate:?}")]
    Candidate {
        candidate: String,
        #[source]
        source: WebrtcError,
    },
    /// ICE gathering did not finish in time, so there was no complete local description.
    #[error("ICE gathering did not complete within {after:?}")]
    GatheringTimeout { after: Duration },
    /// The peer connection reached `failed` (ICE or DTLS gave up).
    #[error("the connection failed {after:?} after the participant was created")]
    ConnectionFailed { after: Duration },
    /// Something awaited did not happen within its deadline.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout { what: &'static str, after: Duration },
    /// The participant was closed (locally or by the peer) while something waited on it.
    #[error("the participant is closed")]
    Closed,
    /// Reading pre-encoded samples failed.
    #[error("cannot read the {what} samples")]
    SampleRead {
        what: &'static str,
        #[source]
        source: WebrtcError,
    },
    /// Opening a sample file failed.
    #[error("cannot open the sample file {path}")]
    SampleFile {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The samples are readable but not usable for looping playback.
    #[error("the {what} samples are unusable: {reason}")]
    SampleFormat { what: &'static str, reason: String },
    /// Reading statistics from the peer connection failed.
    #[error("cannot read the statistics")]
    Stats {
        #[source]
        source: WebrtcError,
    },
}

/// This crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
