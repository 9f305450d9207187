//! What one received RTP stream looks like to a receiver, packet by packet: loss from sequence
//! numbers and interarrival jitter as RFC 3550 §6.4.1 and §A.8 define them, and for VP8 the
//! frames a decoder would get whole (RFC 7741 payload descriptor: a frame starts with `S=1`,
//! partition 0, and ends with the RTP marker bit; every packet in between must be there).
//! Opus sends one frame per packet, so an audio packet is a frame.
//!
//! Invariants: pure and clock-free (arrival times come in as microseconds), so it is tested
//! without a network; reordered packets count as a gap in the frame they belong to, which
//! errs on the side of reporting a frame as not decodable.

use serde::Serialize;

use crate::stats::MediaKind;

/// Counts of one stream since its first packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ReceptionCounts {
    /// Whole frames (VP8) or packets (Opus).
    pub frames: u64,
    /// VP8 key frames among `frames`.
    pub key_frames: u64,
    /// Frames that ended with packets missing, or lost their end (VP8 only).
    pub broken_frames: u64,
    /// Packets expected from the sequence numbers (first to highest seen).
    pub expected: u64,
    /// Expected packets that never arrived (RFC 3550 cumulative loss, never below 0).
    pub lost: u64,
    /// Interarrival jitter in milliseconds.
    pub jitter_ms: f64,
}

/// The frame being assembled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Frame {
    timestamp: u32,
    started: bool,
    key: bool,
    gap: bool,
    done: bool,
}

/// The receiver side of one stream; see the module documentation.
#[derive(Debug, Clone)]
pub struct Reception {
    kind: MediaKind,
    clock_rate: u32,
    base_seq: Option<u64>,
    /// Highest extended sequence number seen (cycles counted).
    highest: u64,
    received: u64,
    /// RFC 3550 jitter in timestamp units, times 16 as in §A.8 to keep precision.
    jitter16: u64,
    transit: Option<i64>,
    frame: Option<Frame>,
    counts: ReceptionCounts,
}

/// The fields of a VP8 payload descriptor a frame counter needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Vp8Start {
    /// First packet of a frame (`S=1`, partition 0).
    pub start: bool,
    /// The frame is a key frame (only known on its first packet).
    pub key: bool,
}

/// Reads the RFC 7741 payload descriptor; `None` when the payload is too short for it.
pub(crate) fn vp8_start(payload: &[u8]) -> Option<Vp8Start> {
    crate::assembly::vp8_descriptor(payload).map(|d| Vp8Start {
        start: d.start,
        key: d.key,
    })
}

impl Reception {
    pub fn new(kind: MediaKind) -> Self {
        Self {
            kind,
            clock_rate: match kind {
                MediaKind::Audio => 48_000,
                MediaKind::Video => 90_000,
            },
            base_seq: None,
            highest: 0,
            received: 0,
            jitter16: 0,
            transit: None,
            frame: None,
            counts: ReceptionCounts::default(),
        }
    }

    /// Takes one packet: its header fields, payload and arrival time in microseconds.
    pub fn packet(&mut self, seq: u16, timestamp: u32, marker: bool, payload: &[u8], at_us: u64) {
        let gap = self.sequence(seq);
        self.jitter(timestamp, at_us);
        match self.kind {
            MediaKind::Audio => self.counts.frames += 1,
            MediaKind::Video => self.vp8(timestamp, marker, payload, gap),
        }
    }

    /// Extends `seq` past wraps; returns true when packets are missing right before it.
    fn sequence(&mut self, seq: u16) -> bool {
        self.received += 1;
        let Some(base) = self.base_seq else {
            self.base_seq = Some(u64::from(seq));
            self.highest = u64::from(seq);
            return false;
        };
        let last = self.highest;
        let candidates = [-1i64, 0, 1].map(|cycle| {
            let cycles = (last >> 16) as i64 + cycle;
            cycles.max(0) as u64 * 65_536 + u64::from(seq)
        });
        let extended = candidates
            .into_iter()
            .min_by_key(|c| c.abs_diff(last))
            .unwrap_or(u64::from(seq));
        let gap = extended > last + 1;
        if extended > last {
            self.highest = extended;
        }
        self.counts.expected = self.highest - base + 1;
        self.counts.lost = self.counts.expected.saturating_sub(self.received);
        gap || extended < last
    }

    fn jitter(&mut self, timestamp: u32, at_us: u64) {
        let arrival = (u128::from(at_us) * u128::from(self.clock_rate) / 1_000_000) as i64;
        let transit = arrival - i64::from(timestamp);
        if let Some(previous) = self.transit {
            // Timestamps wrap at 2^32: the difference is taken modulo that.
            let d = (transit - previous) as i32;
            let d = u64::from(d.unsigned_abs());
            // J += (|D| - J) / 16, kept as 16 * J.
            self.jitter16 = self.jitter16 + d - ((self.jitter16 + 8) >> 4);
        }
        self.transit = Some(transit);
        self.counts.jitter_ms = (self.jitter16 as f64 / 16.0) * 1000.0 / f64::from(self.clock_rate);
    }

    fn vp8(&mut self, timestamp: u32, marker: bool, payload: &[u8], gap: bool) {
        let head = vp8_start(payload);
        let start = head.is_some_and(|h| h.start);
        match &mut self.frame {
            Some(frame) if frame.timestamp == timestamp => {
                frame.gap |= gap;
                frame.started |= start;
                frame.key |= head.is_some_and(|h| h.key);
            }
            _ => {
                if let Some(old) = self.frame {
                    if !old.done {
                        self.counts.broken_frames += 1;
                    }
                }
                self.frame = Some(Frame {
                    timestamp,
                    started: start,
                    key: head.is_some_and(|h| h.key),
                    // Packets missing before a frame's first packet belong to earlier frames.
                    gap: gap && !start,
                    done: false,
                });
            }
        }
        if marker {
            if let Some(frame) = &mut self.frame {
                if !frame.done {
                    frame.done = true;
                    if frame.started && !frame.gap {
                        self.counts.frames += 1;
                        if frame.key {
                            self.counts.key_frames += 1;
                        }
                    } else {
                        self.counts.broken_frames += 1;
                    }
                }
            }
        }
    }

    pub fn counts(&self) -> ReceptionCounts {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A VP8 packet: descriptor with a 15-bit PictureID, then a payload header byte.
    fn vp8(start: bool, key: bool) -> Vec<u8> {
        let first = 0x80 | if start { 0x10 } else { 0 };
        let header = if key { 0x00 } else { 0x01 };
        vec![first, 0x80, 0x81, 0x23, header, 0xAA]
    }

    /// Feeds `frames` frames of `per` packets each, 30 frames per second, skipping the
    /// packets whose sequence numbers are in `drop`.
    fn feed(r: &mut Reception, first_seq: u16, frames: u32, per: u16, drop: &[u16]) {
        let mut seq = first_seq;
        for f in 0..frames {
            for p in 0..per {
                if !drop.contains(&seq) {
                    let payload = vp8(p == 0, f == 0);
                    let at = u64::from(f) * 33_333;
                    r.packet(seq, f * 3000, p + 1 == per, &payload, at);
                }
                seq = seq.wrapping_add(1);
            }
        }
    }

    #[test]
    fn whole_frames_are_counted_once_and_the_first_is_a_key_frame() {
        let mut r = Reception::new(MediaKind::Video);
        feed(&mut r, 100, 10, 3, &[]);
        let c = r.counts();
        assert_eq!((c.frames, c.key_frames, c.broken_frames), (10, 1, 0));
        assert_eq!((c.expected, c.lost), (30, 0));
        assert!(c.jitter_ms < 0.01, "{c:?}");
    }

    #[test]
    fn a_frame_missing_a_middle_or_last_packet_is_broken_and_the_loss_counted() {
        let mut r = Reception::new(MediaKind::Video);
        // Frame 2 loses its middle packet (seq 7), frame 4 its marker packet (seq 14).
        feed(&mut r, 0, 6, 3, &[7, 14]);
        let c = r.counts();
        assert_eq!((c.frames, c.broken_frames), (4, 2), "{c:?}");
        assert_eq!((c.expected, c.lost), (18, 2));
    }

    #[test]
    fn a_lost_first_packet_breaks_only_its_frame() {
        let mut r = Reception::new(MediaKind::Video);
        feed(&mut r, 0, 4, 2, &[4]);
        let c = r.counts();
        assert_eq!((c.frames, c.broken_frames, c.lost), (3, 1, 1), "{c:?}");
    }

    #[test]
    fn sequence_numbers_wrap_without_counting_loss() {
        let mut r = Reception::new(MediaKind::Video);
        feed(&mut r, 65_530, 5, 3, &[]);
        let c = r.counts();
        assert_eq!((c.frames, c.expected, c.lost), (5, 15, 0), "{c:?}");
    }

    #[test]
    fn late_packets_raise_the_jitter() {
        let mut r = Reception::new(MediaKind::Audio);
        for i in 0..100u32 {
            // 20 ms packets, every other one 10 ms late.
            let late = if i % 2 == 1 { 10_000 } else { 0 };
            r.packet(i as u16, i * 960, false, &[0], u64::from(i) * 20_000 + late);
        }
        let c = r.counts();
        assert_eq!(c.frames, 100);
        assert!((8.0..11.0).contains(&c.jitter_ms), "{c:?}");
    }

    #[test]
    fn descriptors_without_extensions_are_read() {
        assert_eq!(
            vp8_start(&[0x10, 0x00]),
            Some(Vp8Start {
                start: true,
                key: true
            })
        );
        assert_eq!(
            vp8_start(&[0x00, 0x01]),
            Some(Vp8Start {
                start: false,
                key: false
            })
        );
        assert_eq!(vp8_start(&[]), None);
    }
}
