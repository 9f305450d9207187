//! Each speaker's own media: a test pattern with their name (VP8) and a few sentences in their
//! own synthetic voice (Opus, ffmpeg's `flite`), made with ffmpeg as `crates/rtc/samples`
//! are, so attendees can tell who is talking by picture and by sound.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use mailcall_rtc::MediaSamples;
use mailcall_testkit::process::{require_binary, run};

/// Who speaks in the all-hands: name, flite voice, video pattern and what they say. Text and
/// names avoid quotes, colons and backslashes, which ffmpeg's filter syntax would take.
pub const SPEAKERS: [Speaker; 3] = [
    Speaker {
        name: "Dana Whitfield",
        voice: "slt",
        pattern: "smptehdbars",
        lines: "Good morning everyone, and welcome to the all hands. \
                We closed the quarter ahead of plan, thanks to all of you.",
    },
    Speaker {
        name: "Ravi Menon",
        voice: "rms",
        pattern: "testsrc2",
        lines: "Engineering update. The new sync engine shipped on Tuesday, \
                and the offline mode is now on for every customer.",
    },
    Speaker {
        name: "Hugh Carter",
        voice: "awb",
        pattern: "mandelbrot",
        lines: "A quick reminder from the office team. The summer party is next Friday, \
                please sign up by Wednesday.",
    },
];

#[derive(Debug, Clone, Copy)]
pub struct Speaker {
    pub name: &'static str,
    voice: &'static str,
    pattern: &'static str,
    lines: &'static str,
}

impl Speaker {
    /// Makes this speaker's video and audio files in `dir` and loads them.
    pub fn samples(&self, dir: &Path) -> Result<MediaSamples> {
        let ffmpeg = require_binary("ffmpeg", "ffmpeg")?;
        std::fs::create_dir_all(dir)?;
        let stem = self.name.to_lowercase().replace(' ', "-");
        let video = dir.join(format!("{stem}.ivf"));
        let audio = dir.join(format!("{stem}.ogg"));
        // A keyframe every second, as in the built-in sample: a late subscriber (or a new
        // lap of the loop) shows a picture within a second without asking for one.
        let picture = format!(
            "{}=size=320x180:rate=15,drawtext=text='{}':fontsize=26:fontcolor=white:\
             box=1:boxcolor=black@0.6:boxborderw=6:x=(w-tw)/2:y=h-th-14",
            self.pattern, self.name
        );
        let vp8 = [
            "-t",
            "4",
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "150k",
            "-g",
            "15",
            "-keyint_min",
            "15",
            "-auto-alt-ref",
            "0",
            "-pix_fmt",
            "yuv420p",
        ];
        encode(&ffmpeg, &picture, &vp8, &video)
            .with_context(|| format!("cannot make the video of {}", self.name))?;
        // One 20 ms Opus packet per Ogg page, which the sample loader requires; a second of
        // silence after the sentences, so the loop does not run them together.
        let voice = format!(
            "flite=text='{}':voice={},aresample=48000,apad=pad_dur=1",
            self.lines, self.voice
        );
        let opus = [
            "-c:a",
            "libopus",
            "-b:a",
            "32k",
            "-application",
            "voip",
            "-frame_duration",
            "20",
            "-page_duration",
            "20000",
        ];
        encode(&ffmpeg, &voice, &opus, &audio)
            .with_context(|| format!("cannot make the voice of {}", self.name))?;
        MediaSamples::from_files(&video, &audio)
            .with_context(|| format!("cannot load the samples of {}", self.name))
    }
}

/// Runs ffmpeg on a generated `source` (a lavfi filter graph), encoding into `file`.
fn encode(ffmpeg: &Path, source: &str, codec: &[&str], file: &Path) -> Result<()> {
    let quiet = [
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
    ];
    run(Command::new(ffmpeg)
        .args(quiet)
        .arg(source)
        .args(codec)
        .arg(file))?;
    Ok(())
}
