//! A headless publisher: sends the shared [`MediaSamples`] in a loop as VP8 and Opus on two
//! `sendonly` m-lines, paced in real time, with an `ssrc-audio-level` value on every Opus
//! packet that the caller can change at any time (loud makes Janus emit `talking`, quiet
//! `stopped-talking`).
//!
//! Signalling stays with the caller: [`Publisher::offer`] gives the SDP for a VideoRoom
//! `publish`, [`Publisher::apply_answer`] takes Janus's answer, local candidates come from
//! [`Publisher::trickle`] when [`crate::Gathering::Trickle`] is configured.
//!
//! Sending starts when the connection reaches `connected` and stops for good on `failed`,
//! `closed` or [`Publisher::close`]. Each kind is one task paced by its frames' durations
//! against an absolute schedule, so a slow write does not shift later frames; after a stall
//! of over a second the schedule restarts instead of bursting to catch up.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::media::Sample;
use rtc::media_stream::MediaStreamTrack;
use rtc::rtp::extension::audio_level_extension::AudioLevelExtension;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use rtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use rtc::sdp::extmap::AUDIO_LEVEL_URI;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::Track;
use webrtc::peer_connection::StatsSelector;
use webrtc::rtp_transceiver::RtpSender;

use crate::error::{Error, Result};
use crate::participant::{
    ConnectionState, IceCandidate, ParticipantConfig, Peer, Status, TrickleEvents,
};
use crate::sample::{EncodedFrame, MediaSamples};
use crate::stats::{MediaKind, PublisherStats, SentStream, Timings};

/// Loudness for the `ssrc-audio-level` extension (RFC 6464): 0 is the loudest, 127 silence,
/// in -dBov. Janus averages these over `audio_active_packets` packets and calls a publisher
/// talking when the average is *below* the room's `audio_level_average` (default 25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AudioLevel(u8);

impl AudioLevel {
    /// -10 dBov: clearly talking for Janus's default threshold.
    pub const LOUD: AudioLevel = AudioLevel(10);
    /// -127 dBov: silence.
    pub const SILENT: AudioLevel = AudioLevel(127);

    /// `minus_dbov` in -dBov, clamped to 0..=127.
    pub fn new(minus_dbov: u8) -> Self {
        AudioLevel(minus_dbov.min(127))
    }

    /// The level in -dBov.
    pub fn minus_dbov(self) -> u8 {
        self.0
    }
}

/// Settings of one publisher.
#[derive(Debug, Clone)]
pub struct PublisherConfig {
    pub participant: ParticipantConfig,
    /// What to send; share one `Arc` between all publishers of a process.
    pub samples: Arc<MediaSamples>,
    /// The level sent at first; change it with [`Publisher::set_audio_level`].
    pub audio_level: AudioLevel,
    pub audio: bool,
    pub video: bool,
}

impl PublisherConfig {
    /// Audio and video, silent until told otherwise.
    pub fn new(participant: ParticipantConfig, samples: Arc<MediaSamples>) -> Self {
        Self {
            participant,
            samples,
            audio_level: AudioLevel::SILENT,
            audio: true,
            video: true,
        }
    }
}

/// Per-publisher counters the sending tasks update.
#[derive(Debug, Default)]
struct SendCounters {
    video_frames: AtomicU64,
    audio_packets: AtomicU64,
    write_errors: AtomicU64,
}

/// A track with its sender, for stats after negotiation.
struct Outgoing {
    kind: MediaKind,
    sender: Arc<dyn RtpSender>,
}

/// A participant that publishes the samples; see the module documentation.
pub struct Publisher {
    peer: Peer,
    level: Arc<AtomicU8>,
    counters: Arc<SendCounters>,
    outgoing: Vec<Outgoing>,
}

impl Publisher {
    /// Builds the connection with its tracks; sending starts once connected.
    pub async fn new(config: PublisherConfig) -> Result<Self> {
        let peer = Peer::build(config.participant.clone()).await?;
        let level = Arc::new(AtomicU8::new(config.audio_level.minus_dbov()));
        let counters = Arc::new(SendCounters::default());
        let mut outgoing = Vec::new();
        // Audio first, as browsers order them; nothing in Janus depends on the order.
        let kinds = [
            (MediaKind::Audio, config.audio),
            (MediaKind::Video, config.video),
        ];
        for (kind, wanted) in kinds {
            if !wanted {
                continue;
            }
            let (track, sender) = add_track(&peer, kind).await?;
            let level = (kind == MediaKind::Audio).then(|| Arc::clone(&level));
            let pacer = Pacer {
                kind,
                track,
                sender: Arc::clone(&sender),
                samples: Arc::clone(&config.samples),
                level,
                status: peer.status.clone(),
                cancel: peer.cancel.clone(),
                counters: Arc::clone(&counters),
                label: peer.config.label.clone(),
            };
            peer.tracker.spawn(pacer.run());
            outgoing.push(Outgoing { kind, sender });
        }
        Ok(Self {
            peer,
            level,
            counters,
            outgoing,
        })
    }

    /// Creates the offer and applies it locally; with [`crate::Gathering::Complete`] it
    /// carries every local candidate.
    pub async fn offer(&self) -> Result<String> {
        self.peer.create_offer().await
    }

    /// Applies the remote answer (Janus's `jsep.sdp`).
    pub async fn apply_answer(&self, sdp: &str) -> Result<()> {
        self.peer.apply_answer(sdp).await
    }

    /// Adds a candidate the remote side trickled.
    pub async fn add_remote_candidate(&self, candidate: &IceCandidate) -> Result<()> {
        self.peer.add_remote_candidate(candidate).await
    }

    /// Local trickle events; `Some` only on the first call.
    pub fn trickle(&self) -> Option<TrickleEvents> {
        self.peer.take_trickle()
    }

    /// Changes the audio level written on the following Opus packets.
    pub fn set_audio_level(&self, level: AudioLevel) {
        self.level.store(level.minus_dbov(), Ordering::Relaxed);
    }

    /// The current state and timings.
    pub fn status(&self) -> Status {
        self.peer.status()
    }

    /// A receiver that sees every state change.
    pub fn watch_status(&self) -> watch::Receiver<Status> {
        self.peer.status.clone()
    }

    /// Waits until connected; fails at once when the connection fails or closes.
    pub async fn wait_connected(&self, deadline: Duration) -> Result<Timings> {
        self.peer.wait_connected(deadline).await
    }

    /// Waits until the connection fails (or closes), for tests of broken paths.
    pub async fn wait_failed(&self, deadline: Duration) -> Result<Timings> {
        self.peer.wait_failed(deadline).await
    }

    /// What was written and what webrtc-rs counted as sent.
    pub async fn stats(&self) -> Result<PublisherStats> {
        let report = self
            .peer
            .pc
            .get_stats(Instant::now(), StatsSelector::None)
            .await;
        let streams = report
            .outbound_rtp_streams()
            .map(|s| {
                let rtp = &s.sent_rtp_stream_stats.rtp_stream_stats;
                SentStream {
                    mid: s.mid.clone(),
                    kind: match rtp.kind {
                        RtpCodecKind::Video => MediaKind::Video,
                        _ => MediaKind::Audio,
                    },
                    ssrc: rtp.ssrc,
                    packets: s.sent_rtp_stream_stats.packets_sent,
                    bytes: s.sent_rtp_stream_stats.bytes_sent,
                }
            })
            .collect();
        let mut audio_level_negotiated = false;
        for out in self.outgoing.iter().filter(|o| o.kind == MediaKind::Audio) {
            let parameters = out
                .sender
                .get_parameters()
                .await
                .map_err(|source| Error::Stats { source })?;
            audio_level_negotiated |= parameters
                .rtp_parameters
                .header_extensions
                .iter()
                .any(|e| e.uri == AUDIO_LEVEL_URI);
        }
        Ok(PublisherStats {
            timings: self.peer.status().timings,
            video_frames: self.counters.video_frames.load(Ordering::Relaxed),
            audio_packets: self.counters.audio_packets.load(Ordering::Relaxed),
            write_errors: self.counters.write_errors.load(Ordering::Relaxed),
            audio_level_negotiated,
            streams,
        })
    }

    /// Stops sending and closes the connection.
    pub async fn close(&self) {
        self.peer.close().await;
    }
}

async fn add_track(
    peer: &Peer,
    kind: MediaKind,
) -> Result<(Arc<TrackLocalStaticSample>, Arc<dyn RtpSender>)> {
    let (codec_kind, codec) = match kind {
        MediaKind::Audio => (RtpCodecKind::Audio, crate::codec::opus_codec()),
        MediaKind::Video => (RtpCodecKind::Video, crate::codec::vp8_codec()),
    };
    let label = &peer.config.label;
    let track = MediaStreamTrack::new(
        label.clone(),
        format!("{label}-{kind}"),
        format!("{label} {kind}"),
        codec_kind,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                ssrc: Some(rand::random::<u32>()),
                ..Default::default()
            },
            codec,
            ..Default::default()
        }],
    );
    let step = |step| move |source| Error::Negotiation { step, source };
    let track = Arc::new(
        TrackLocalStaticSample::new(Instant::now(), track).map_err(step("create a track"))?,
    );
    let init = RTCRtpTransceiverInit {
        direction: RTCRtpTransceiverDirection::Sendonly,
        streams: vec![],
        send_encodings: vec![],
    };
    let transceiver = peer
        .pc
        .add_transceiver_from_track(Arc::clone(&track) as Arc<dyn TrackLocal>, Some(init))
        .await
        .map_err(step("add a sendonly transceiver"))?;
    let sender = transceiver
        .sender()
        .await
        .map_err(step("read the transceiver's sender"))?
        .ok_or(Error::Closed)?;
    Ok((track, sender))
}

/// Paces one kind's frames onto its track in real time.
struct Pacer {
    kind: MediaKind,
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    samples: Arc<MediaSamples>,
    /// Set for audio: the level to stamp on each packet.
    level: Option<Arc<AtomicU8>>,
    status: watch::Receiver<Status>,
    cancel: CancellationToken,
    counters: Arc<SendCounters>,
    label: String,
}

impl Pacer {
    async fn run(mut self) {
        let connected = tokio::select! {
            () = self.cancel.cancelled() => return,
            s = self.status.wait_for(|s| !matches!(
                s.state,
                ConnectionState::New | ConnectionState::Connecting
            )) => s.map(|s| s.state == ConnectionState::Connected),
        };
        if !matches!(connected, Ok(true)) {
            return;
        }
        // The payload type and SSRC are only final after negotiation.
        let payload_type = match self.sender.get_parameters().await {
            Ok(p) => p.rtp_parameters.codecs.first().map(|c| c.payload_type),
            Err(e) => {
                tracing::warn!(label = %self.label, "{} sender has no parameters: {e}", self.kind);
                return;
            }
        };
        let (Some(payload_type), Some(&ssrc)) = (payload_type, self.track.ssrcs().await.first())
        else {
            tracing::warn!(label = %self.label, "{} was not negotiated; not sending it", self.kind);
            return;
        };
        let samples = Arc::clone(&self.samples);
        let frames = match self.kind {
            MediaKind::Audio => samples.audio(),
            MediaKind::Video => samples.video(),
        };
        let mut next = tokio::time::Instant::now();
        for frame in frames.iter().cycle() {
            tokio::select! {
                () = self.cancel.cancelled() => return,
                () = tokio::time::sleep_until(next) => {}
            }
            if matches!(
                self.status.borrow().state,
                ConnectionState::Failed | ConnectionState::Closed
            ) {
                return;
            }
            self.write(frame, ssrc, payload_type).await;
            next += frame.duration;
            let now = tokio::time::Instant::now();
            if now > next + Duration::from_secs(1) {
                next = now;
            }
        }
    }

    async fn write(&self, frame: &EncodedFrame, ssrc: u32, payload_type: u8) {
        let sample = Sample {
            data: frame.data.clone(),
            duration: frame.duration,
            ..Sample::new(Instant::now())
        };
        let mut writer = self.track.sample_writer(ssrc, payload_type);
        if let Some(level) = &self.level {
            let level = level.load(Ordering::Relaxed);
            writer = writer.with_audio_level(AudioLevelExtension {
                level,
                voice: level < AudioLevel::SILENT.minus_dbov(),
            });
        }
        let counter = match self.kind {
            MediaKind::Audio => &self.counters.audio_packets,
            MediaKind::Video => &self.counters.video_frames,
        };
        match writer.write_sample(&sample).await {
            Ok(()) => counter.fetch_add(1, Ordering::Relaxed),
            Err(e) => {
                tracing::debug!(label = %self.label, "{} sample refused: {e}", self.kind);
                self.counters.write_errors.fetch_add(1, Ordering::Relaxed)
            }
        };
    }
}
