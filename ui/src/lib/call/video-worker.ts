// Decodes the core's VP8 frames off the main thread, one VideoDecoder per subscription mid,
// and hands the pictures to the page: as a MediaStreamTrack fed by a VideoTrackGenerator
// where the webview has one (WebKitGTK exposes it in workers only), else frame by frame
// for a canvas.

import { parsePacket, RtpClock, VIDEO } from "./packet";

export type ToWorker =
  | { type: "packet"; buffer: ArrayBuffer }
  /** The mid shows another feed (or came back after a rejoin): start again from a key frame. */
  | { type: "restart"; mid: string | null }
  | { type: "forget"; mid: string };

export type FromWorker =
  | { type: "track"; mid: string; track: MediaStreamTrack }
  | { type: "frame"; mid: string; frame: VideoFrame }
  /** Frames written to each mid's track so far. */
  | { type: "rendered"; counts: [string, number][] }
  | { type: "keyFrame"; mid: string }
  | { type: "unsupported"; reason: string };

type Generator = { readonly writable: WritableStream<VideoFrame>; readonly track: MediaStreamTrack };
type GeneratorClass = new () => Generator;

type Stream = {
  decoder: VideoDecoder | null;
  /** Delta frames are useless until a key frame: they are dropped meanwhile. */
  waiting: boolean;
  asked: number;
  clock: RtpClock;
  writer: WritableStreamDefaultWriter<VideoFrame> | null;
  rendered: number;
};

const CONFIG: VideoDecoderConfig = { codec: "vp8", optimizeForLatency: true };
/** A stream still waiting for a key frame asks again this often (the first PLI may be lost). */
const ASK_EVERY_MS = 1000;
/** How long the support check may take before decoding is simply tried. */
const PROBE_MS = 2000;
/** Frames queued in a decoder beyond this mean it cannot keep up: skip to the next key frame. */
const MAX_QUEUE = 30;

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
let Generator = (globalThis as { VideoTrackGenerator?: GeneratorClass }).VideoTrackGenerator;
const streams = new Map<string, Stream>();
let supported: boolean | null = null;
/** A decoder failure was reported (once: the next key frame tries again). */
let failed = false;

async function probe() {
  let reason = "";
  if (typeof VideoDecoder === "undefined") {
    reason = "this webview has no VideoDecoder";
  } else {
    try {
      // A webview that never answers gets the benefit of the doubt: decoding is tried, and
      // a decoder that fails says so.
      const answer = VideoDecoder.isConfigSupported(CONFIG).then((r) => r.supported === true);
      const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(true), PROBE_MS));
      if (!(await Promise.race([answer, timeout]))) reason = "VP8 decoding is not supported";
    } catch (e) {
      reason = `VP8 decoding cannot be checked: ${String(e)}`;
    }
  }
  supported = reason === "";
  if (!supported) scope.postMessage({ type: "unsupported", reason });
}

function stream(mid: string): Stream {
  let s = streams.get(mid);
  if (!s) {
    s = { decoder: null, waiting: true, asked: -Infinity, clock: new RtpClock(), writer: null, rendered: 0 };
    streams.set(mid, s);
  }
  return s;
}

function askKeyFrame(mid: string, s: Stream, now = false) {
  const t = performance.now();
  if (!now && t - s.asked < ASK_EVERY_MS) return;
  s.asked = t;
  scope.postMessage({ type: "keyFrame", mid });
}

function restart(mid: string, s: Stream) {
  if (s.decoder?.state === "configured") s.decoder.reset();
  s.waiting = true;
  askKeyFrame(mid, s, true);
}

function decoder(mid: string, s: Stream): VideoDecoder {
  if (!s.decoder || s.decoder.state === "closed") {
    const made = new VideoDecoder({
      output: (frame) => show(mid, s, frame),
      error: (e) => {
        if (!failed) {
          failed = true;
          scope.postMessage({ type: "unsupported", reason: `the VP8 decoder failed: ${e.message}` });
        }
        // The decoder closed itself; the next key frame gets a new one.
        if (s.decoder === made) s.decoder = null;
        s.waiting = true;
        askKeyFrame(mid, s, true);
      },
    });
    s.decoder = made;
  }
  if (s.decoder.state === "unconfigured") s.decoder.configure(CONFIG);
  return s.decoder;
}

function onPacket(buffer: ArrayBuffer) {
  const p = parsePacket(buffer);
  if (!p || p.kind !== VIDEO) return;
  const s = stream(p.mid);
  const ticks = s.clock.next(p.rtp);
  if (supported !== true) return;
  if (s.waiting && !p.key) {
    askKeyFrame(p.mid, s);
    return;
  }
  try {
    const d = decoder(p.mid, s);
    if (d.decodeQueueSize > MAX_QUEUE) {
      restart(p.mid, s);
      return;
    }
    const timestamp = Math.round((ticks * 1e6) / 90000);
    d.decode(new EncodedVideoChunk({ type: p.key ? "key" : "delta", timestamp, data: p.payload }));
    s.waiting = false;
  } catch {
    restart(p.mid, s);
  }
}

function show(mid: string, s: Stream, frame: VideoFrame) {
  if (streams.get(mid) !== s) {
    frame.close();
    return;
  }
  if (Generator && toTrack(Generator, mid, s, frame)) return;
  // Transferring hands the frame to the page, which draws and closes it.
  scope.postMessage({ type: "frame", mid, frame }, [frame]);
}

/** Writes `frame` to the mid's track; false when tracks cannot reach the page. */
function toTrack(make: GeneratorClass, mid: string, s: Stream, frame: VideoFrame): boolean {
  if (!s.writer) {
    try {
      const g = new make();
      scope.postMessage({ type: "track", mid, track: g.track }, [g.track as unknown as Transferable]);
      s.writer = g.writable.getWriter();
    } catch {
      // This webview cannot transfer tracks: every mid falls back to frames.
      Generator = undefined;
      return false;
    }
  }
  const writer = s.writer;
  if (writer.desiredSize !== null && writer.desiredSize <= 0) {
    // The track has not taken the last frame yet: a newer one will follow.
    frame.close();
    return true;
  }
  s.rendered++;
  writer
    .write(frame)
    .catch(() => {})
    .finally(() => frame.close());
  return true;
}

function forget(mid: string) {
  const s = streams.get(mid);
  if (!s) return;
  streams.delete(mid);
  if (s.decoder && s.decoder.state !== "closed") s.decoder.close();
  void s.writer?.close().catch(() => {});
}

let reported = "";
setInterval(() => {
  const counts: [string, number][] = [];
  for (const [mid, s] of streams) if (s.writer) counts.push([mid, s.rendered]);
  const text = JSON.stringify(counts);
  if (text === reported) return;
  reported = text;
  scope.postMessage({ type: "rendered", counts });
}, 250);

scope.onmessage = (event) => {
  const m = event.data;
  if (m.type === "packet") onPacket(m.buffer);
  else if (m.type === "forget") forget(m.mid);
  else if (m.mid === null) for (const [mid, s] of streams) restart(mid, s);
  else restart(m.mid, stream(m.mid));
};

void probe();
