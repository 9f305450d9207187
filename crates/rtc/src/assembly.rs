//! Whole frames out of one received RTP stream, for a decoder on the other side of an IPC:
//! packets are put back in sequence order (held up to [`HOLD`] for a late or retransmitted
//! one), VP8 payload descriptors (RFC 7741) are stripped and a frame's partitions joined;
//! Opus packets are frames already.
//!
//! Invariants: a VP8 decoder must never see a frame whose references it lacks, so after any
//! loss (and before the first frame) nothing is delivered until a key frame arrives, and
//! every frame dropped meanwhile yields [`Assembled::NeedKey`] for the caller to turn into a
//! rate-limited PLI. Pure and clock-free (arrival times come in as microseconds), so it is
//! tested without a network.

use std::collections::BTreeMap;

use crate::stats::MediaKind;

/// How long a gap in sequence numbers is waited on before it is given up as lost: long
/// enough for a NACKed retransmission on a LAN, short enough not to stall the picture.
pub const HOLD_US: u64 = 60_000;
/// Packets held at most while waiting on a gap.
const MAX_HELD: usize = 512;

/// One whole frame: a VP8 frame (descriptors stripped) or an Opus packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub key: bool,
    /// RTP timestamp (90 kHz video, 48 kHz audio).
    pub timestamp: u32,
    /// Arrival of the packet that completed it, microseconds on the caller's clock.
    pub at_us: u64,
    pub data: Vec<u8>,
}

/// What a packet produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assembled {
    Frame(Frame),
    /// A frame was dropped while no key frame has arrived since a loss: ask for one.
    NeedKey,
}

/// The parts of an RFC 7741 payload descriptor a reassembler needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Vp8Descriptor {
    /// First packet of a frame (`S=1`, partition 0).
    pub start: bool,
    /// A key frame (known on the first packet only: the payload header's P bit is 0).
    pub key: bool,
    /// Bytes of descriptor before the VP8 payload.
    pub len: usize,
}

/// Reads the descriptor; `None` when the payload is too short for it.
pub(crate) fn vp8_descriptor(payload: &[u8]) -> Option<Vp8Descriptor> {
    let first = *payload.first()?;
    let start = first & 0x10 != 0 && first & 0x07 == 0;
    let mut at = 1;
    if first & 0x80 != 0 {
        let ext = *payload.get(at)?;
        at += 1;
        if ext & 0x80 != 0 {
            // PictureID: 15 bits when its M bit is set, else 7.
            at += if *payload.get(at)? & 0x80 != 0 { 2 } else { 1 };
        }
        if ext & 0x40 != 0 {
            at += 1;
        }
        if ext & 0x30 != 0 {
            at += 1;
        }
    }
    if at > payload.len() {
        return None;
    }
    let key = start && payload.get(at).is_some_and(|b| b & 0x01 == 0);
    Some(Vp8Descriptor {
        start,
        key,
        len: at,
    })
}

#[derive(Debug, Clone)]
struct Packet {
    timestamp: u32,
    marker: bool,
    payload: Vec<u8>,
    at_us: u64,
}

#[derive(Debug, Clone)]
struct Building {
    timestamp: u32,
    key: bool,
    data: Vec<u8>,
}

/// The reassembler of one stream; see the module documentation.
#[derive(Debug, Clone)]
pub struct Assembler {
    kind: MediaKind,
    /// Extended sequence number of the next packet to hand on.
    next: Option<u64>,
    highest: u64,
    held: BTreeMap<u64, Packet>,
    building: Option<Building>,
    wait_key: bool,
}

impl Assembler {
    pub fn new(kind: MediaKind) -> Self {
        Self {
            kind,
            next: None,
            highest: 0,
            held: BTreeMap::new(),
            building: None,
            wait_key: true,
        }
    }

    /// Takes one packet; returns the frames (and key-frame requests) it completes.
    pub fn push(
        &mut self,
        seq: u16,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
        at_us: u64,
    ) -> Vec<Assembled> {
        let ext = self.extend(seq);
        let next = *self.next.get_or_insert(ext);
        if ext < next || self.held.contains_key(&ext) {
            return Vec::new(); // late after its gap was given up, or a duplicate
        }
        self.held.insert(
            ext,
            Packet {
                timestamp,
                marker,
                payload: payload.to_vec(),
                at_us,
            },
        );
        let mut out = Vec::new();
        self.release(at_us, &mut out);
        out
    }

    /// Extends `seq` past wraps, relative to the highest seen.
    fn extend(&mut self, seq: u16) -> u64 {
        let Some(_) = self.next else {
            self.highest = u64::from(seq) + (1 << 16);
            return self.highest;
        };
        let last = self.highest;
        let extended = [-1i64, 0, 1]
            .map(|cycle| ((last >> 16) as i64 + cycle).max(0) as u64 * 65_536 + u64::from(seq))
            .into_iter()
            .min_by_key(|c| c.abs_diff(last))
            .unwrap_or(u64::from(seq));
        self.highest = self.highest.max(extended);
        extended
    }

    /// Hands on packets in order; gives a gap up once the oldest held packet waited too long.
    fn release(&mut self, now_us: u64, out: &mut Vec<Assembled>) {
        loop {
            let Some(next) = self.next else { return };
            if let Some(packet) = self.held.remove(&next) {
                self.next = Some(next + 1);
                self.take(packet, false, out);
                continue;
            }
            let Some((&first, oldest)) = self.held.iter().next() else {
                return;
            };
            if now_us.saturating_sub(oldest.at_us) < HOLD_US && self.held.len() < MAX_HELD {
                return;
            }
            let packet = self.held.remove(&first).expect("the first held packet");
            self.next = Some(first + 1);
            self.take(packet, true, out);
        }
    }

    fn take(&mut self, packet: Packet, after_gap: bool, out: &mut Vec<Assembled>) {
        match self.kind {
            // Opus frames stand alone: a lost one is concealed by the decoder's timeline.
            MediaKind::Audio => out.push(Assembled::Frame(Frame {
                key: true,
                timestamp: packet.timestamp,
                at_us: packet.at_us,
                data: packet.payload,
            })),
            MediaKind::Video => self.vp8(packet, after_gap, out),
        }
    }

    fn vp8(&mut self, packet: Packet, after_gap: bool, out: &mut Vec<Assembled>) {
        if after_gap {
            // Whatever was being built lost a packet, and so may the frame this one starts
            // (its first packets may be the lost ones): nothing is trusted until a key frame.
            if self.building.take().is_some() || !self.wait_key {
                self.lose(out);
            }
        }
        let Some(head) = vp8_descriptor(&packet.payload) else {
            self.building = None;
            self.lose(out);
            return;
        };
        if head.start {
            if self.building.take().is_some() {
                self.lose(out); // the previous frame never saw its marker
            }
            self.building = Some(Building {
                timestamp: packet.timestamp,
                key: head.key,
                data: Vec::with_capacity(packet.payload.len() * 4),
            });
        }
        let Some(building) = self.building.as_mut() else {
            // A middle packet of a frame whose start is gone.
            if !self.wait_key {
                self.lose(out);
            }
            return;
        };
        if building.timestamp != packet.timestamp {
            self.building = None;
            self.lose(out);
            return;
        }
        building.data.extend_from_slice(&packet.payload[head.len..]);
        if !packet.marker {
            return;
        }
        let Some(frame) = self.building.take() else {
            return;
        };
        if frame.key {
            self.wait_key = false;
        }
        if self.wait_key {
            out.push(Assembled::NeedKey);
            return;
        }
        out.push(Assembled::Frame(Frame {
            key: frame.key,
            timestamp: frame.timestamp,
            at_us: packet.at_us,
            data: frame.data,
        }));
    }

    /// Delivers nothing more until a key frame: a frame was lost after it left here.
    pub fn resync(&mut self) {
        if self.kind == MediaKind::Video {
            self.wait_key = true;
        }
    }

    fn lose(&mut self, out: &mut Vec<Assembled>) {
        self.wait_key = true;
        out.push(Assembled::NeedKey);
    }
}

#[cfg(test)]
#[path = "assembly_tests.rs"]
mod tests;
