use super::*;

/// A VP8 packet: descriptor with a 15-bit PictureID, a payload header byte, then `body`.
fn vp8(start: bool, key: bool, body: u8) -> Vec<u8> {
    let first = 0x80 | if start { 0x10 } else { 0 };
    let header = if key { 0x00 } else { 0x01 };
    if start {
        vec![first, 0x80, 0x81, 0x23, header, body]
    } else {
        vec![first, 0x80, 0x81, 0x23, body]
    }
}

/// Packets of `frames` frames of `per` packets each at 30 fps; frame 0 and every frame in
/// `keys` is a key frame. Each packet's body byte is its sequence number's low byte.
fn stream(first_seq: u16, frames: u32, per: u16, keys: &[u32]) -> Vec<(u16, u32, bool, Vec<u8>)> {
    let mut seq = first_seq;
    let mut out = Vec::new();
    for f in 0..frames {
        let key = f == 0 || keys.contains(&f);
        for p in 0..per {
            out.push((seq, f * 3000, p + 1 == per, vp8(p == 0, key, seq as u8)));
            seq = seq.wrapping_add(1);
        }
    }
    out
}

/// Feeds packets in the given order, 1 ms apart, then a last far-later tick that flushes
/// any gap; returns every output.
fn feed(a: &mut Assembler, packets: &[(u16, u32, bool, Vec<u8>)]) -> Vec<Assembled> {
    let mut out = Vec::new();
    let mut at = 0;
    for (seq, ts, marker, payload) in packets {
        at += 1_000;
        out.extend(a.push(*seq, *ts, *marker, payload, at));
    }
    out
}

fn frames(out: &[Assembled]) -> Vec<(u32, bool)> {
    out.iter()
        .filter_map(|o| match o {
            Assembled::Frame(f) => Some((f.timestamp / 3000, f.key)),
            Assembled::NeedKey => None,
        })
        .collect()
}

fn key_requests(out: &[Assembled]) -> usize {
    out.iter().filter(|o| **o == Assembled::NeedKey).count()
}

#[test]
fn frames_come_out_whole_with_descriptors_stripped() {
    let mut a = Assembler::new(MediaKind::Video);
    let out = feed(&mut a, &stream(10, 3, 3, &[]));
    assert_eq!(frames(&out), vec![(0, true), (1, false), (2, false)]);
    let Assembled::Frame(first) = &out[0] else {
        panic!("{out:?}")
    };
    // Payload header byte of the first packet, then each packet's body.
    assert_eq!(first.data, vec![0x00, 10, 11, 12]);
    assert_eq!(key_requests(&out), 0);
}

#[test]
fn reordered_packets_are_put_back_in_order() {
    let mut a = Assembler::new(MediaKind::Video);
    let mut packets = stream(65_534, 3, 3, &[]); // wraps too
    packets.swap(4, 5);
    packets.swap(6, 8);
    let out = feed(&mut a, &packets);
    assert_eq!(frames(&out), vec![(0, true), (1, false), (2, false)]);
    assert_eq!(key_requests(&out), 0);
}

#[test]
fn a_lost_packet_drops_frames_until_the_next_key_frame_and_asks_for_one() {
    let mut a = Assembler::new(MediaKind::Video);
    let mut packets = stream(0, 6, 2, &[4]);
    packets.remove(3); // frame 1 loses its last packet
    let mut out = feed(&mut a, &packets);
    // The gap is given up once a later packet has waited longer than the hold.
    out.extend(a.push(100, 99 * 3000, true, &vp8(true, false, 0), 10_000_000));
    assert_eq!(frames(&out), vec![(0, true), (4, true), (5, false)]);
    assert!(key_requests(&out) >= 2, "{out:?}");
}

#[test]
fn a_late_retransmission_within_the_hold_fills_the_gap() {
    let mut a = Assembler::new(MediaKind::Video);
    let packets = stream(0, 3, 2, &[]);
    let late = packets[3].clone();
    let mut out = Vec::new();
    for (i, (seq, ts, marker, payload)) in packets.iter().enumerate() {
        if i != 3 {
            out.extend(a.push(*seq, *ts, *marker, payload, i as u64 * 1_000));
        }
    }
    // 20 ms later, well inside the hold.
    out.extend(a.push(late.0, late.1, late.2, &late.3, 25_000));
    assert_eq!(frames(&out), vec![(0, true), (1, false), (2, false)]);
    assert_eq!(key_requests(&out), 0);
}

#[test]
fn nothing_is_delivered_before_the_first_key_frame() {
    let mut a = Assembler::new(MediaKind::Video);
    // Joined mid-stream: frames 0 and 1 are delta frames, 2 is a key frame.
    let packets: Vec<_> = stream(0, 4, 2, &[2])
        .into_iter()
        .map(|(s, ts, m, mut p)| {
            if ts == 0 && p[0] & 0x10 != 0 {
                p[4] = 0x01; // frame 0 becomes a delta frame
            }
            (s, ts, m, p)
        })
        .collect();
    let out = feed(&mut a, &packets);
    assert_eq!(frames(&out), vec![(2, true), (3, false)]);
    assert_eq!(key_requests(&out), 2);
}

#[test]
fn opus_packets_are_frames_in_order_and_duplicates_dropped() {
    let mut a = Assembler::new(MediaKind::Audio);
    let mut out = Vec::new();
    for (i, seq) in [5u16, 7, 6, 6, 8].iter().enumerate() {
        out.extend(a.push(*seq, u32::from(*seq) * 960, false, &[*seq as u8], i as u64));
    }
    let data: Vec<u8> = out
        .iter()
        .filter_map(|o| match o {
            Assembled::Frame(f) => Some(f.data[0]),
            Assembled::NeedKey => None,
        })
        .collect();
    assert_eq!(data, vec![5, 6, 7, 8]);
}

#[test]
fn short_descriptors_are_refused() {
    assert_eq!(vp8_descriptor(&[]), None);
    assert_eq!(vp8_descriptor(&[0x80]), None);
    assert_eq!(
        vp8_descriptor(&[0x10, 0x00]),
        Some(Vp8Descriptor {
            start: true,
            key: true,
            len: 1
        })
    );
}
