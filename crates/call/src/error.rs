//! The one error type of the call controller.
//!
//! Invariants: messages say what was being attempted; the Janus or media error is kept as the
//! `#[source]`, never repeated in the message.

/// Everything that can go wrong in a call.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Signalling with Janus failed.
    #[error("Janus signalling failed while {doing}")]
    Janus {
        doing: &'static str,
        #[source]
        source: mailcall_janus::Error,
    },
    /// The media engine failed.
    #[error("media failed while {doing}")]
    Media {
        doing: &'static str,
        #[source]
        source: mailcall_rtc::Error,
    },
    /// The media engine has no answer for this engine-specific request.
    #[error("the media engine cannot {what}")]
    Unsupported { what: &'static str },
    /// Janus answered something the call cannot use.
    #[error("Janus gave no {what} for {doing}")]
    Missing {
        what: &'static str,
        doing: &'static str,
    },
    /// The call's task is gone (left, or ended after failing to rejoin).
    #[error("the call has ended")]
    Ended,
    /// A bound was reached.
    #[error("timed out after {after:?} while {doing}")]
    Timeout {
        doing: &'static str,
        after: std::time::Duration,
    },
    /// A setting was not usable.
    #[error("invalid {what}: {value}")]
    Invalid { what: &'static str, value: String },
    /// A local I/O operation (a file in /proc, a socket) failed.
    #[error("cannot {doing}")]
    Io {
        doing: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// An HTTP request of the pre-flight failed.
    #[error("HTTP request to {url} failed")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
}

impl Error {
    pub(crate) fn janus(doing: &'static str) -> impl FnOnce(mailcall_janus::Error) -> Error {
        move |source| Error::Janus { doing, source }
    }

    pub(crate) fn media(doing: &'static str) -> impl FnOnce(mailcall_rtc::Error) -> Error {
        move |source| Error::Media { doing, source }
    }

    /// The VideoRoom code, when Janus's plugin refused.
    pub fn videoroom_code(&self) -> Option<mailcall_janus::VideoRoomCode> {
        match self {
            Error::Janus { source, .. } => source.videoroom_code(),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
