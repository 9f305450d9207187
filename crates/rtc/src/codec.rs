//! The codecs and RTP header extensions every participant negotiates: Opus and VP8 at the
//! payload types Janus offers by default (111 and 96, so offers and answers line up without
//! remapping), `ssrc-audio-level` on audio (RFC 6464; without it Janus never emits
//! `talking`), and webrtc-rs's default interceptors (NACK, RTCP reports, TWCC receiver side).

use rtc::interceptor::Registry;
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MIME_TYPE_VP8};
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RTCRtpHeaderExtensionCapability, RtpCodecKind,
};
use rtc::sdp::extmap::AUDIO_LEVEL_URI;
use webrtc::peer_connection::{register_default_interceptors, MediaEngine};

use crate::error::WebrtcError;

pub(crate) const OPUS_PAYLOAD_TYPE: u8 = 111;
pub(crate) const VP8_PAYLOAD_TYPE: u8 = 96;

/// A fresh media engine and interceptor registry (webrtc-rs consumes both per connection).
pub(crate) fn media_setup() -> Result<(MediaEngine, Registry), WebrtcError> {
    let mut media = MediaEngine::default();
    media.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: opus_codec(),
            payload_type: OPUS_PAYLOAD_TYPE,
        },
        RtpCodecKind::Audio,
    )?;
    media.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: vp8_codec(),
            payload_type: VP8_PAYLOAD_TYPE,
        },
        RtpCodecKind::Video,
    )?;
    media.register_header_extension(
        RTCRtpHeaderExtensionCapability {
            uri: AUDIO_LEVEL_URI.to_owned(),
        },
        RtpCodecKind::Audio,
        None,
    )?;
    let registry = register_default_interceptors(Registry::new(), &mut media)?;
    Ok((media, registry))
}

/// Opus as Janus offers and accepts it.
pub(crate) fn opus_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// VP8 with the feedback Janus uses: key frame requests, and NACK for retransmissions.
pub(crate) fn vp8_codec() -> RTCRtpCodec {
    let feedback = |typ: &str, parameter: &str| RTCPFeedback {
        typ: typ.to_owned(),
        parameter: parameter.to_owned(),
    };
    RTCRtpCodec {
        mime_type: MIME_TYPE_VP8.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![
            feedback("ccm", "fir"),
            feedback("nack", ""),
            feedback("nack", "pli"),
        ],
    }
}
