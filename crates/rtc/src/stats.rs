//! What a participant measured, as plain serialisable data for the pre-flight, the load test
//! and benchmarks to print or aggregate.
//!
//! Every instant is a [`Duration`] since the participant was created (its `t0`), so values
//! from many participants can be compared and averaged without sharing a clock. "DTLS
//! connected" is the peer connection reaching `connected`, which per the W3C definition means
//! every transport finished ICE *and* DTLS; "ICE connected" is the ICE agent's own state.

use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;

use crate::reception::{Reception, ReceptionCounts};

/// The kind of an RTP stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Audio,
    Video,
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        })
    }
}

/// Milestones of one connection, each since the participant was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Timings {
    /// The remote description (answer, or the offer a subscriber answered) was applied.
    pub remote_description: Option<Duration>,
    /// The ICE agent reached `connected`.
    pub ice_connected: Option<Duration>,
    /// The peer connection reached `connected` (ICE and DTLS done, SRTP keys ready).
    pub dtls_connected: Option<Duration>,
    /// The peer connection reached `failed`.
    pub failed: Option<Duration>,
}

impl fmt::Display for Timings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |d: Option<Duration>| match d {
            Some(d) => format!("{:.1} ms", d.as_secs_f64() * 1000.0),
            None => "-".to_owned(),
        };
        write!(
            f,
            "remote description {}, ICE connected {}, DTLS connected {}",
            show(self.remote_description),
            show(self.ice_connected),
            show(self.dtls_connected)
        )?;
        if let Some(failed) = self.failed {
            write!(f, ", FAILED at {}", show(Some(failed)))?;
        }
        Ok(())
    }
}

/// One received RTP stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceivedStream {
    /// The SDP `mid` of its m-line, when the transceiver has one.
    pub mid: Option<String>,
    pub kind: MediaKind,
    /// The SSRC of the first packet.
    pub ssrc: u32,
    pub packets: u64,
    /// RTP payload bytes (headers and padding excluded).
    pub payload_bytes: u64,
    /// When its first RTP packet arrived.
    pub first_rtp: Option<Duration>,
    /// Frames, loss and jitter as a receiver sees them.
    pub reception: ReceptionCounts,
}

/// What a subscriber received.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SubscriberStats {
    pub timings: Timings,
    /// Streams in the order their tracks appeared.
    pub streams: Vec<ReceivedStream>,
}

impl SubscriberStats {
    /// Packets received over all streams of `kind`.
    pub fn packets(&self, kind: MediaKind) -> u64 {
        self.streams
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.packets)
            .sum()
    }
}

impl fmt::Display for SubscriberStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.timings)?;
        for s in &self.streams {
            writeln!(
                f,
                "  mid {} {} ssrc {}: {} packets, {} bytes, first RTP {}",
                s.mid.as_deref().unwrap_or("?"),
                s.kind,
                s.ssrc,
                s.packets,
                s.payload_bytes,
                s.first_rtp
                    .map(|d| format!("{:.1} ms", d.as_secs_f64() * 1000.0))
                    .unwrap_or_else(|| "-".to_owned())
            )?;
        }
        Ok(())
    }
}

/// One sent RTP stream, as webrtc-rs's `outbound-rtp` statistics count it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentStream {
    pub mid: String,
    pub kind: MediaKind,
    pub ssrc: u32,
    pub packets: u64,
    pub bytes: u64,
}

/// What a publisher sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublisherStats {
    pub timings: Timings,
    /// Encoded samples handed to the packetizer, per kind.
    pub video_frames: u64,
    pub audio_packets: u64,
    /// Samples the track refused (not bound yet, connection gone).
    pub write_errors: u64,
    /// Whether the answer negotiated the `ssrc-audio-level` extension (Janus needs it for
    /// `talking` events).
    pub audio_level_negotiated: bool,
    pub streams: Vec<SentStream>,
}

impl fmt::Display for PublisherStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.timings)?;
        writeln!(
            f,
            "  wrote {} video frames, {} audio packets ({} refused); audio level extension {}",
            self.video_frames,
            self.audio_packets,
            self.write_errors,
            if self.audio_level_negotiated {
                "on"
            } else {
                "off"
            }
        )?;
        for s in &self.streams {
            writeln!(
                f,
                "  mid {} {} ssrc {}: {} packets, {} bytes",
                s.mid, s.kind, s.ssrc, s.packets, s.bytes
            )?;
        }
        Ok(())
    }
}

/// Counters a reader task updates per packet; atomics because stats are read while packets
/// arrive, and a lock per packet would serialise every stream of a 20-participant load test.
#[derive(Debug)]
pub(crate) struct StreamCounters {
    pub(crate) track_id: String,
    pub(crate) kind: MediaKind,
    pub(crate) ssrc: AtomicU32,
    pub(crate) packets: AtomicU64,
    pub(crate) payload_bytes: AtomicU64,
    /// Nanoseconds since `t0` of the first packet, `u64::MAX` until then.
    pub(crate) first_rtp_nanos: AtomicU64,
    /// Only this stream's reader task writes it and a stats read takes it once in a while,
    /// so the lock is almost never contended.
    pub(crate) reception: Mutex<Reception>,
}

impl StreamCounters {
    pub(crate) fn new(track_id: String, kind: MediaKind) -> Self {
        Self {
            track_id,
            kind,
            ssrc: AtomicU32::new(0),
            packets: AtomicU64::new(0),
            payload_bytes: AtomicU64::new(0),
            first_rtp_nanos: AtomicU64::new(u64::MAX),
            reception: Mutex::new(Reception::new(kind)),
        }
    }

    /// Counts one packet; returns true for the stream's first.
    pub(crate) fn record(&self, ssrc: u32, payload_len: usize, since_t0: Duration) -> bool {
        self.payload_bytes
            .fetch_add(payload_len as u64, Ordering::Relaxed);
        let first = self.packets.fetch_add(1, Ordering::Relaxed) == 0;
        if first {
            self.ssrc.store(ssrc, Ordering::Relaxed);
            let nanos = u64::try_from(since_t0.as_nanos()).unwrap_or(u64::MAX - 1);
            self.first_rtp_nanos.store(nanos, Ordering::Relaxed);
        }
        first
    }

    /// Feeds one packet to the frame, loss and jitter counters.
    pub(crate) fn receive(
        &self,
        (seq, timestamp, marker): (u16, u32, bool),
        payload: &[u8],
        since_t0: Duration,
    ) {
        let at_us = u64::try_from(since_t0.as_micros()).unwrap_or(u64::MAX);
        self.reception
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .packet(seq, timestamp, marker, payload, at_us);
    }

    pub(crate) fn snapshot(&self, mid: Option<String>) -> ReceivedStream {
        let first = self.first_rtp_nanos.load(Ordering::Relaxed);
        ReceivedStream {
            mid,
            kind: self.kind,
            ssrc: self.ssrc.load(Ordering::Relaxed),
            packets: self.packets.load(Ordering::Relaxed),
            payload_bytes: self.payload_bytes.load(Ordering::Relaxed),
            first_rtp: (first != u64::MAX).then(|| Duration::from_nanos(first)),
            reception: self
                .reception
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .counts(),
        }
    }
}
