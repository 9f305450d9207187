// Plays the call's Opus packets: one AudioDecoder per audio mid, every decoded piece
// scheduled on one AudioContext at the time its RTP timestamp says, a little late so that
// packets arriving unevenly still play back to back. All mids mix into the speakers.

import { parsePacket, RtpClock } from "./packet";

/** How long a packet waits before it plays: the jitter it absorbs. */
const DELAY = 0.08;
/** A timeline this far ahead of DELAY (sender clock drift, a timestamp jump) starts again. */
const DRIFT = 0.25;

type Voice = {
  decoder: AudioDecoder;
  clock: RtpClock;
  /** Which media time (s) plays at which context time (s). */
  origin: { media: number; at: number } | null;
};

function makeContext(): AudioContext {
  try {
    return new AudioContext({ latencyHint: "interactive", sampleRate: 48000 });
  } catch {
    return new AudioContext();
  }
}

async function channelsSupported(): Promise<1 | 2 | null> {
  if (typeof AudioDecoder === "undefined") return null;
  for (const numberOfChannels of [2, 1] as const) {
    try {
      const answer = await AudioDecoder.isConfigSupported({ codec: "opus", sampleRate: 48000, numberOfChannels });
      if (answer.supported === true) return numberOfChannels;
    } catch {
      // Try the next layout.
    }
  }
  return null;
}

/** What the speakers get: seconds of sound scheduled so far and the level right now. */
export type Sound = { played: number; level: number };

export class AudioOut {
  private ctx: AudioContext | null = null;
  /** Every voice goes through this on its way to the speakers, so the page can say what plays. */
  private meter: AnalyserNode | null = null;
  private samples: Float32Array<ArrayBuffer> | null = null;
  private played = 0;
  private voices = new Map<string, Voice>();
  private channels: 1 | 2 | null = null;
  private probing: Promise<void> | null = null;
  private readonly onProblem: (reason: string) => void;

  constructor(onProblem: (reason: string) => void) {
    this.onProblem = onProblem;
  }

  /** Creates or wakes the context; call it from a click, the only time a webview lets sound start. */
  start(): void {
    this.ctx ??= makeContext();
    if (!this.meter) {
      this.meter = this.ctx.createAnalyser();
      this.meter.fftSize = 2048;
      this.meter.connect(this.ctx.destination);
      this.samples = new Float32Array(this.meter.fftSize);
    }
    void this.ctx.resume().catch(() => {});
    this.probing ??= channelsSupported().then((channels) => {
      this.channels = channels;
      if (channels === null) this.onProblem("this webview cannot decode Opus audio");
    });
  }

  /** Seconds played so far and the RMS level of the mix over the last ~40 ms. */
  sound(): Sound {
    if (!this.meter || !this.samples) return { played: this.played, level: 0 };
    this.meter.getFloatTimeDomainData(this.samples);
    let sum = 0;
    for (const v of this.samples) sum += v * v;
    return { played: this.played, level: Math.sqrt(sum / this.samples.length) };
  }

  /** The context waits for a click before it plays. */
  get suspended(): boolean {
    return this.ctx !== null && this.ctx.state === "suspended";
  }

  push(buffer: ArrayBuffer): void {
    const p = parsePacket(buffer);
    if (!p || !this.ctx || this.ctx.state !== "running" || this.channels === null) return;
    const voice = this.voice(p.mid, this.channels);
    const ticks = voice.clock.next(p.rtp);
    try {
      const timestamp = Math.round((ticks * 1e6) / 48000);
      voice.decoder.decode(new EncodedAudioChunk({ type: "key", timestamp, data: p.payload }));
    } catch {
      this.forget(p.mid);
    }
  }

  stop(): void {
    for (const mid of [...this.voices.keys()]) this.forget(mid);
    void this.ctx?.close().catch(() => {});
    this.ctx = null;
    this.meter = null;
    this.samples = null;
  }

  private voice(mid: string, numberOfChannels: 1 | 2): Voice {
    let v = this.voices.get(mid);
    if (!v) {
      const voice: Voice = {
        decoder: new AudioDecoder({
          output: (data) => this.play(voice, data),
          error: () => {
            if (this.voices.get(mid) === voice) this.voices.delete(mid);
          },
        }),
        clock: new RtpClock(),
        origin: null,
      };
      voice.decoder.configure({ codec: "opus", sampleRate: 48000, numberOfChannels });
      this.voices.set(mid, voice);
      v = voice;
    }
    return v;
  }

  private forget(mid: string) {
    const v = this.voices.get(mid);
    this.voices.delete(mid);
    if (v && v.decoder.state !== "closed") v.decoder.close();
  }

  private play(voice: Voice, data: AudioData) {
    try {
      const ctx = this.ctx;
      if (!ctx || ctx.state !== "running") return;
      const media = data.timestamp / 1e6;
      const now = ctx.currentTime;
      let at = voice.origin ? voice.origin.at + (media - voice.origin.media) : -1;
      if (at < now + 0.005 || at > now + DELAY + DRIFT) {
        voice.origin = { media, at: now + DELAY };
        at = now + DELAY;
      }
      const source = ctx.createBufferSource();
      source.buffer = toBuffer(ctx, data);
      source.connect(this.meter ?? ctx.destination);
      source.start(at);
      if (this.played === 0) {
        // For the benchmarks: when the call's first sound reaches the speakers.
        performance.mark("mailcall:first-sound", { startTime: performance.now() + (at - now) * 1000 });
      }
      this.played += source.buffer.duration;
    } finally {
      data.close();
    }
  }
}

function toBuffer(ctx: AudioContext, data: AudioData): AudioBuffer {
  const buffer = ctx.createBuffer(data.numberOfChannels, data.numberOfFrames, data.sampleRate);
  try {
    for (let ch = 0; ch < data.numberOfChannels; ch++) {
      data.copyTo(buffer.getChannelData(ch), { planeIndex: ch, format: "f32-planar" });
    }
  } catch {
    convert(data, buffer);
  }
  return buffer;
}

const SCALE = { u8: 1 / 128, s16: 1 / 32768, s32: 1 / 2147483648, f32: 1 } as const;

/** For decoders that cannot convert while copying: reads their own sample format. */
function convert(data: AudioData, buffer: AudioBuffer) {
  if (!data.format) return;
  const planar = data.format.endsWith("-planar");
  const base = data.format.replace("-planar", "") as keyof typeof SCALE;
  const channels = data.numberOfChannels;
  const out = Array.from({ length: channels }, (_, ch) => buffer.getChannelData(ch));
  for (let plane = 0; plane < (planar ? channels : 1); plane++) {
    const bytes = new ArrayBuffer(data.allocationSize({ planeIndex: plane }));
    data.copyTo(bytes, { planeIndex: plane });
    const samples =
      base === "u8" ? new Uint8Array(bytes) : base === "s16" ? new Int16Array(bytes) : base === "s32" ? new Int32Array(bytes) : new Float32Array(bytes);
    const offset = base === "u8" ? 128 : 0;
    for (let i = 0; i < samples.length; i++) {
      const ch = planar ? plane : i % channels;
      const frame = planar ? i : Math.floor(i / channels);
      const target = out[ch];
      if (target && frame < target.length) target[frame] = ((samples[i] ?? 0) - offset) * SCALE[base];
    }
  }
}
