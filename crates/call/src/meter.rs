//! Received-media statistics per feed: the media engine's per-stream counters, named by the
//! feed each subscribed m-line carries, with rates over the time since the last sample.
//! The CLI prints them and the desktop app streams them to the page, once a second each.
//!
//! Invariants: a stream is keyed by its mid and SSRC, so a new subscription after a rejoin
//! (new SSRCs, counters from zero) starts fresh instead of giving negative rates; the first
//! sample of a stream has no rates yet (0), since a rate needs two points.

use std::collections::HashMap;
use std::time::Instant;

use mailcall_janus::FeedId;
use mailcall_rtc::{MediaKind, ReceivedStream};
use serde::Serialize;

use crate::call::StreamSource;

/// What one subscribed stream received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedStats {
    /// The feed the m-line carries now; `None` while it carries nothing.
    pub feed: Option<FeedId>,
    pub display: Option<String>,
    pub mid: Option<String>,
    pub kind: MediaKind,
    pub packets: u64,
    /// Whole frames a decoder would get (VP8), or packets (Opus).
    pub frames: u64,
    pub key_frames: u64,
    /// Frames missing packets (VP8).
    pub broken_frames: u64,
    /// Frames per second since the last sample.
    pub frame_rate: f64,
    /// Payload bits per second since the last sample.
    pub bitrate: f64,
    /// Packets lost so far (from sequence numbers).
    pub lost: u64,
    /// Share of the packets expected since the last sample that did not arrive, 0 to 1.
    pub loss: f64,
    /// RFC 3550 interarrival jitter.
    pub jitter_ms: f64,
}

/// The previous sample of every stream; see the module documentation.
#[derive(Debug, Default)]
pub struct Meter {
    last: HashMap<(Option<String>, u32), (Instant, ReceivedStream)>,
}

impl Meter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Statistics of `streams` at `at`, each named through `sources` by its mid.
    pub fn sample(
        &mut self,
        at: Instant,
        streams: &[ReceivedStream],
        sources: &[StreamSource],
    ) -> Vec<FeedStats> {
        let mut next = HashMap::new();
        let mut out = Vec::with_capacity(streams.len());
        for s in streams {
            let key = (s.mid.clone(), s.ssrc);
            let source = sources.iter().find(|src| Some(&src.mid) == s.mid.as_ref());
            let r = &s.reception;
            let mut stats = FeedStats {
                feed: source.and_then(|src| src.feed),
                display: source.and_then(|src| src.display.clone()),
                mid: s.mid.clone(),
                kind: s.kind,
                packets: s.packets,
                frames: r.frames,
                key_frames: r.key_frames,
                broken_frames: r.broken_frames,
                frame_rate: 0.0,
                bitrate: 0.0,
                lost: r.lost,
                loss: 0.0,
                jitter_ms: r.jitter_ms,
            };
            if let Some((then, before)) = self.last.get(&key) {
                let secs = at.saturating_duration_since(*then).as_secs_f64();
                if secs > 0.0 && s.packets >= before.packets {
                    let frames = r.frames.saturating_sub(before.reception.frames);
                    let bytes = s.payload_bytes.saturating_sub(before.payload_bytes);
                    stats.frame_rate = frames as f64 / secs;
                    stats.bitrate = bytes as f64 * 8.0 / secs;
                    let expected = r.expected.saturating_sub(before.reception.expected);
                    let received = s.packets - before.packets;
                    if expected > 0 {
                        stats.loss = expected.saturating_sub(received) as f64 / expected as f64;
                    }
                }
            }
            next.insert(key, (at, s.clone()));
            out.push(stats);
        }
        self.last = next;
        out
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mailcall_rtc::ReceptionCounts;

    use super::*;

    fn stream(mid: &str, ssrc: u32, packets: u64, frames: u64, expected: u64) -> ReceivedStream {
        ReceivedStream {
            mid: Some(mid.to_owned()),
            kind: MediaKind::Video,
            ssrc,
            packets,
            payload_bytes: packets * 1000,
            first_rtp: None,
            reception: ReceptionCounts {
                frames,
                expected,
                lost: expected - packets,
                ..ReceptionCounts::default()
            },
        }
    }

    fn source(mid: &str, feed: u64) -> StreamSource {
        StreamSource {
            mid: mid.to_owned(),
            kind: "video".to_owned(),
            feed: Some(FeedId(feed)),
            display: Some(format!("feed {feed}")),
        }
    }

    #[test]
    fn rates_come_from_the_last_sample_and_streams_are_named_by_mid() {
        let mut meter = Meter::new();
        let t0 = Instant::now();
        let sources = [source("v0", 7), source("v1", 9)];
        let first = meter.sample(t0, &[stream("v0", 1, 100, 30, 100)], &sources);
        assert_eq!(first[0].feed, Some(FeedId(7)));
        assert_eq!(first[0].frame_rate, 0.0, "no rate from one point");
        let t1 = t0 + Duration::from_secs(2);
        let second = meter.sample(t1, &[stream("v0", 1, 290, 90, 300)], &sources);
        let s = &second[0];
        assert_eq!((s.packets, s.frames, s.lost), (290, 90, 10));
        assert!((s.frame_rate - 30.0).abs() < 1e-9, "{s:?}");
        assert!((s.bitrate - 760_000.0).abs() < 1e-6, "{s:?}");
        assert!((s.loss - 0.05).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn a_new_subscription_starts_fresh() {
        let mut meter = Meter::new();
        let t0 = Instant::now();
        meter.sample(t0, &[stream("v0", 1, 1000, 300, 1000)], &[]);
        let t1 = t0 + Duration::from_secs(1);
        let after = meter.sample(t1, &[stream("v0", 2, 10, 3, 10)], &[]);
        assert_eq!(after[0].frame_rate, 0.0);
        assert_eq!(after[0].feed, None);
    }
}
