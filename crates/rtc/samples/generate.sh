#!/usr/bin/env bash
# Regenerates the shipped samples (Debian package `ffmpeg`): 3 s of VP8 in IVF and of Opus in
# Ogg, small enough to embed in the binary (see src/sample.rs for what the loader checks).
#   crates/rtc/samples/generate.sh [output-dir]   (default: this directory)
set -euo pipefail
out="${1:-$(dirname "$0")}"
mkdir -p "$out"
ffmpeg="${FFMPEG:-ffmpeg}"
common=(-hide_banner -loglevel error -y -fflags +bitexact)

# 320x180 at 15 fps; a keyframe every 15 frames so a subscriber that joins (or a loop lap
# that restarts) decodes within a second without needing a PLI answered.
"$ffmpeg" "${common[@]}" -f lavfi -i "testsrc2=size=320x180:rate=15:duration=3" \
  -c:v libvpx -deadline realtime -cpu-used 8 -b:v 150k -g 15 -keyint_min 15 \
  -auto-alt-ref 0 -pix_fmt yuv420p -flags:v +bitexact "$out/video.ivf"

# A two-tone signal at 48 kHz; 20 ms Opus frames, one per Ogg page (`-page_duration 20000`),
# because the Ogg reader hands out pages and each page must be exactly one RTP packet.
"$ffmpeg" "${common[@]}" -f lavfi \
  -i "aevalsrc=0.5*sin(2*PI*440*t)+0.3*sin(2*PI*660*t):s=48000:d=3" \
  -c:a libopus -b:a 32k -application voip -frame_duration 20 -page_duration 20000 \
  -flags:a +bitexact "$out/audio.ogg"
