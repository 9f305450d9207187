//! Pre-encoded media that headless participants send in a loop: VP8 frames from an IVF file and
//! Opus packets from an Ogg file, read once into memory and shared by every publisher of the
//! process (an `Arc<MediaSamples>` costs one allocation however many participants use it).
//!
//! Invariants checked when loading, because looping playback depends on them:
//! - the first VP8 frame is a keyframe, so every lap of the loop starts decodable;
//! - every Ogg page carries exactly one Opus packet (ffmpeg's `-page_duration 20000`), because
//!   a page is what the Ogg reader returns and a packet is what goes into RTP;
//! - every frame has a non-zero duration, taken from IVF timestamps and from the Opus TOC byte
//!   (RFC 6716 §3.1), not from the page granule, which includes pre-skip on the first page.
//!
//! The crate ships small samples (`samples/`, made by `samples/generate.sh` with ffmpeg) and
//! [`MediaSamples::builtin`] embeds them, so the CLI's load test and pre-flight need no files.

use std::cell::Cell;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use rtc::media::io::ivf_reader::IVFReader;
use rtc::media::io::ogg_reader::OggReader;

use crate::error::{Error, Result};

/// The shipped VP8 sample (320x180, 15 fps, a keyframe every second).
const BUILTIN_VIDEO: &[u8] = include_bytes!("../samples/video.ivf");
/// The shipped Opus sample (48 kHz, 20 ms packets, one per Ogg page).
const BUILTIN_AUDIO: &[u8] = include_bytes!("../samples/audio.ogg");

/// Opus always runs its RTP clock at 48 kHz (RFC 7587 §4.1), whatever the input rate was.
const OPUS_CLOCK_RATE: u64 = 48_000;

/// One encoded frame (VP8) or packet (Opus) and how long it plays.
#[derive(Debug, Clone)]
pub struct EncodedFrame {
    /// The codec bitstream, shared between every publisher sending it.
    pub data: Bytes,
    /// Playback duration, which also paces sending and advances the RTP timestamp.
    pub duration: Duration,
}

/// VP8 video and Opus audio to publish in a loop.
#[derive(Debug, Clone)]
pub struct MediaSamples {
    video: Vec<EncodedFrame>,
    audio: Vec<EncodedFrame>,
    width: u16,
    height: u16,
}

impl MediaSamples {
    /// The samples shipped in `crates/rtc/samples/`, embedded in the binary.
    pub fn builtin() -> Result<Self> {
        Self::from_bytes(BUILTIN_VIDEO, BUILTIN_AUDIO)
    }

    /// Reads an IVF (VP8) file and an Ogg (Opus) file.
    pub fn from_files(video: &Path, audio: &Path) -> Result<Self> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| Error::SampleFile {
                path: path.to_owned(),
                source,
            })
        };
        Self::from_bytes(&read(video)?, &read(audio)?)
    }

    /// Parses IVF (VP8) and Ogg (Opus) file contents.
    pub fn from_bytes(video: &[u8], audio: &[u8]) -> Result<Self> {
        let (video, width, height) = read_ivf(video)?;
        let audio = read_ogg_opus(audio)?;
        Ok(Self {
            video,
            audio,
            width,
            height,
        })
    }

    /// The VP8 frames, first one a keyframe.
    pub fn video(&self) -> &[EncodedFrame] {
        &self.video
    }

    /// The Opus packets.
    pub fn audio(&self) -> &[EncodedFrame] {
        &self.audio
    }

    /// Width and height of the video, from the IVF header.
    pub fn video_size(&self) -> (u16, u16) {
        (self.width, self.height)
    }

    /// How long one lap of the video loop plays.
    pub fn video_duration(&self) -> Duration {
        self.video.iter().map(|f| f.duration).sum()
    }

    /// How long one lap of the audio loop plays.
    pub fn audio_duration(&self) -> Duration {
        self.audio.iter().map(|f| f.duration).sum()
    }
}

fn video_error(reason: impl Into<String>) -> Error {
    Error::SampleFormat {
        what: "video",
        reason: reason.into(),
    }
}

fn audio_error(reason: impl Into<String>) -> Error {
    Error::SampleFormat {
        what: "audio",
        reason: reason.into(),
    }
}

/// VP8 frames with durations from consecutive IVF timestamps; the last frame gets the
/// previous frame's duration (or the timebase's one tick).
fn read_ivf(data: &[u8]) -> Result<(Vec<EncodedFrame>, u16, u16)> {
    let read_error = |source| Error::SampleRead {
        what: "video",
        source,
    };
    let (position, source) = Counted::new(data);
    let (mut reader, header) = IVFReader::new(source).map_err(read_error)?;
    if &header.four_cc != b"VP80" {
        return Err(video_error(format!(
            "the IVF codec is {:?}, not VP80",
            String::from_utf8_lossy(&header.four_cc)
        )));
    }
    if header.timebase_denominator == 0 || header.timebase_numerator == 0 {
        return Err(video_error("the IVF timebase is zero"));
    }
    let tick =
        Duration::from_secs(u64::from(header.timebase_numerator)) / header.timebase_denominator;
    let mut frames: Vec<(Bytes, u64)> = Vec::new();
    while position.get() < data.len() {
        let (payload, frame) = reader.parse_next_frame().map_err(read_error)?;
        frames.push((payload.freeze(), frame.timestamp));
    }
    let Some((first, _)) = frames.first() else {
        return Err(video_error("the IVF file holds no frames"));
    };
    // RFC 6386 §9.1: bit 0 of the frame tag is 0 for a keyframe.
    if first.first().is_none_or(|tag| tag & 1 != 0) {
        return Err(video_error("the first frame is not a keyframe"));
    }
    let mut out = Vec::with_capacity(frames.len());
    let mut last = tick;
    for (i, (data, timestamp)) in frames.iter().enumerate() {
        let duration = match frames.get(i + 1) {
            Some((_, next)) if next > timestamp => {
                tick * u32::try_from(next - timestamp).unwrap_or(u32::MAX)
            }
            Some(_) => return Err(video_error("IVF timestamps do not increase")),
            None => last,
        };
        last = duration;
        out.push(EncodedFrame {
            data: data.clone(),
            duration,
        });
    }
    Ok((out, header.width, header.height))
}

/// Opus packets, one per Ogg page, skipping the OpusHead and OpusTags header pages.
fn read_ogg_opus(data: &[u8]) -> Result<Vec<EncodedFrame>> {
    let read_error = |source| Error::SampleRead {
        what: "audio",
        source,
    };
    let (position, source) = Counted::new(data);
    let (mut reader, head) = OggReader::new(source, true).map_err(read_error)?;
    if head.channels == 0 {
        return Err(audio_error("the OpusHead has no channels"));
    }
    let mut packets = Vec::new();
    let mut last_granule: Option<u64> = None;
    while position.get() < data.len() {
        let (payload, page) = reader.parse_next_page().map_err(read_error)?;
        if page.opus_header_type(&payload).is_some() || payload.is_empty() {
            continue;
        }
        let samples = opus_packet_samples(&payload)
            .ok_or_else(|| audio_error("an Opus packet has a malformed TOC"))?;
        if let Some(previous) = last_granule {
            let advance = page.granule_position.saturating_sub(previous);
            // The final page may be trimmed (shorter), never longer than its one packet.
            if advance > samples {
                return Err(audio_error(
                    "an Ogg page holds several Opus packets; make it with `-page_duration 20000`",
                ));
            }
        }
        last_granule = Some(page.granule_position);
        packets.push(EncodedFrame {
            data: payload.freeze(),
            duration: Duration::from_micros(samples * 1_000_000 / OPUS_CLOCK_RATE),
        });
    }
    if packets.is_empty() {
        return Err(audio_error("the Ogg file holds no Opus packets"));
    }
    Ok(packets)
}

/// A reader over a byte slice that shares how far it got, because the IVF and Ogg readers
/// report the end of their input only as an I/O error, indistinguishable from truncation.
struct Counted<'a> {
    rest: &'a [u8],
    position: Rc<Cell<usize>>,
}

impl<'a> Counted<'a> {
    fn new(data: &'a [u8]) -> (Rc<Cell<usize>>, Self) {
        let position = Rc::new(Cell::new(0));
        let reader = Self {
            rest: data,
            position: Rc::clone(&position),
        };
        (position, reader)
    }
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.rest.read(buf)?;
        self.position.set(self.position.get() + n);
        Ok(n)
    }
}

/// Samples at 48 kHz in one Opus packet, from its TOC byte (RFC 6716 §3.1).
pub(crate) fn opus_packet_samples(packet: &[u8]) -> Option<u64> {
    let toc = *packet.first()?;
    let config = toc >> 3;
    // Frame sizes in units of 2.5 ms (120 samples at 48 kHz).
    let frame_units: u64 = match config {
        0..=11 => [4, 8, 16, 24][usize::from(config % 4)],
        12..=15 => [4, 8][usize::from(config % 2)],
        _ => [1, 2, 4, 8][usize::from(config % 4)],
    };
    let frames: u64 = match toc & 0b11 {
        0 => 1,
        1 | 2 => 2,
        _ => u64::from(*packet.get(1)? & 0x3f),
    };
    if frames == 0 {
        return None;
    }
    Some(frame_units * 120 * frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_samples_load_and_loop_from_a_keyframe() {
        let samples = MediaSamples::builtin().expect("builtin samples");
        assert!(samples.video().len() >= 15, "{}", samples.video().len());
        assert!(samples.audio().len() >= 50, "{}", samples.audio().len());
        assert_eq!(samples.video_size(), (320, 180));
        assert_eq!(samples.audio()[0].duration, Duration::from_millis(20));
        let video = samples.video_duration().as_secs_f64();
        let audio = samples.audio_duration().as_secs_f64();
        assert!(
            (video - audio).abs() < 0.2,
            "video {video} s, audio {audio} s"
        );
    }

    #[test]
    fn opus_toc_gives_the_packet_duration() {
        // config 31 (CELT FB 20 ms), code 0: one 20 ms frame.
        assert_eq!(opus_packet_samples(&[31 << 3]), Some(960));
        // config 1 (SILK NB 20 ms), code 1: two frames.
        assert_eq!(opus_packet_samples(&[(1 << 3) | 1]), Some(1920));
        // config 15 (hybrid FB 20 ms), code 3 with 3 frames.
        assert_eq!(opus_packet_samples(&[(15 << 3) | 3, 3]), Some(2880));
        assert_eq!(opus_packet_samples(&[(15 << 3) | 3, 0]), None);
        assert_eq!(opus_packet_samples(&[]), None);
    }

    #[test]
    fn garbage_is_a_read_error_not_a_panic() {
        let err = MediaSamples::from_bytes(b"not an ivf file at all, sorry....", BUILTIN_AUDIO)
            .expect_err("garbage video");
        assert!(
            matches!(err, Error::SampleRead { what: "video", .. }),
            "{err:?}"
        );
        let err = MediaSamples::from_bytes(BUILTIN_VIDEO, b"OggS but not really")
            .expect_err("garbage audio");
        assert!(
            matches!(err, Error::SampleRead { what: "audio", .. }),
            "{err:?}"
        );
    }
}
