//! The shipped samples are what `samples/generate.sh` makes with ffmpeg.

use std::path::Path;
use std::process::Command;

use mailcall_rtc::MediaSamples;
use mailcall_testkit::process::require_binary;

#[test]
fn generate_script_makes_samples_like_the_shipped_ones() -> anyhow::Result<()> {
    let ffmpeg = require_binary("ffmpeg", "ffmpeg")?;
    let out = tempfile::tempdir()?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/generate.sh");
    let status = Command::new("bash")
        .arg(&script)
        .arg(out.path())
        .env("FFMPEG", &ffmpeg)
        .status()?;
    assert!(status.success(), "{} failed: {status}", script.display());
    let generated =
        MediaSamples::from_files(&out.path().join("video.ivf"), &out.path().join("audio.ogg"))?;
    let shipped = MediaSamples::builtin()?;
    assert_eq!(generated.video().len(), shipped.video().len());
    assert_eq!(generated.audio().len(), shipped.audio().len());
    assert_eq!(generated.video_size(), shipped.video_size());
    let size = |dir: &Path| -> std::io::Result<u64> {
        Ok(std::fs::metadata(dir.join("video.ivf"))?.len()
            + std::fs::metadata(dir.join("audio.ogg"))?.len())
    };
    let shipped_size = size(&Path::new(env!("CARGO_MANIFEST_DIR")).join("samples"))?;
    assert!(
        shipped_size < 200_000,
        "shipped samples are {shipped_size} bytes"
    );
    assert!(size(out.path())? < 200_000);
    Ok(())
}
