//! The native media engine's frames on their way to the page: the subscribing connection
//! hands whole frames (see `mailcall_rtc::assembly`), each is named by its subscription mid
//! and packed into one binary message the page decodes with WebCodecs. Frames are never
//! decoded here.
//!
//! Message layout (little-endian): kind `u8` (0 VP8, 1 Opus), flags `u8` (bit 0 key
//! frame; bit 1, set by whoever drops messages on the way: some were lost just before),
//! mid length `u16`, RTP timestamp `u32`, arrival in ms since the connection began `u32`,
//! the mid (UTF-8), then the frame.

use std::collections::HashMap;
use std::sync::Arc;

use mailcall_call::HeadlessMedia;
use mailcall_rtc::{MediaKind, TrackFrame};
use tokio::sync::{broadcast, mpsc};

/// Frames waiting between the connection and the page: about a second of 4 tiles and the
/// audio; more would only add delay.
pub(crate) const FRAMES_QUEUED: usize = 256;

/// One frame as the page receives it.
pub fn pack(mid: &str, frame: &TrackFrame) -> Vec<u8> {
    let f = &frame.frame;
    let mut out = Vec::with_capacity(12 + mid.len() + f.data.len());
    out.push(match frame.kind {
        MediaKind::Video => 0,
        MediaKind::Audio => 1,
    });
    out.push(u8::from(f.key));
    out.extend_from_slice(&u16::try_from(mid.len()).unwrap_or(0).to_le_bytes());
    out.extend_from_slice(&f.timestamp.to_le_bytes());
    let at_ms = u32::try_from(f.at_us / 1000).unwrap_or(u32::MAX);
    out.extend_from_slice(&at_ms.to_le_bytes());
    out.extend_from_slice(mid.as_bytes());
    out.extend_from_slice(&f.data);
    out
}

/// Names each frame by its mid and sends it on; ends when the connection's sender is gone.
pub(crate) async fn forward_frames(
    mut frames: mpsc::Receiver<TrackFrame>,
    media: Arc<HeadlessMedia>,
    out: broadcast::Sender<Arc<Vec<u8>>>,
) {
    let mut mids: HashMap<Arc<str>, String> = HashMap::new();
    while let Some(frame) = frames.recv().await {
        let mid = match mids.get(&frame.track_id) {
            Some(mid) => mid.clone(),
            None => {
                let Some(subscriber) = media.subscriber().await else {
                    continue;
                };
                // A track the transceivers do not list yet: its next frame asks again.
                let Some(mid) = subscriber.mid_of(&frame.track_id).await else {
                    continue;
                };
                mids.insert(Arc::clone(&frame.track_id), mid.clone());
                mid
            }
        };
        // Nobody watching (no call page open) is fine.
        let _ = out.send(Arc::new(pack(&mid, &frame)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailcall_rtc::Frame;

    #[test]
    fn a_frame_is_packed_with_its_header() {
        let frame = TrackFrame {
            track_id: Arc::from("t"),
            kind: MediaKind::Video,
            frame: Frame {
                key: true,
                timestamp: 0x0102_0304,
                at_us: 1_500_000,
                data: vec![9, 8, 7],
            },
        };
        let packed = pack("12", &frame);
        assert_eq!(
            packed,
            vec![0, 1, 2, 0, 4, 3, 2, 1, 0xDC, 0x05, 0, 0, b'1', b'2', 9, 8, 7]
        );
    }
}
