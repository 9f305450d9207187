// The native media path: the core receives the call's WebRTC media and sends each encoded
// frame here. Video goes to a worker that decodes it; the pictures come back as a track for
// a <video> or as frames this module draws on a <canvas>. Audio plays through audio.ts.

import { AudioOut } from "./audio";
import { lostBefore, packetKind, AUDIO, VIDEO } from "./packet";
import type { FromWorker, ToWorker } from "./video-worker";

/** Which engine carries calls in this webview. */
export function engineName(): string {
  return typeof RTCPeerConnection === "undefined" ? "native (WebCodecs)" : "webview WebRTC";
}

export type MediaHooks = {
  /** The element a mid's picture goes in, while its tile is on screen. */
  host(mid: string): HTMLElement | undefined;
  keyFrame(mid: string): void;
  problem(reason: string): void;
};

/** Accepts what a channel may deliver: raw bodies are ArrayBuffers, JSON ones byte arrays. */
function asBuffer(chunk: ArrayBuffer | ArrayBufferView | number[]): ArrayBuffer {
  if (chunk instanceof ArrayBuffer) return chunk;
  if (Array.isArray(chunk)) return new Uint8Array(chunk).buffer;
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice().buffer;
}

export class Media {
  readonly audio: AudioOut;
  private worker: Worker;
  private hooks: MediaHooks;
  private tracks = new Map<string, MediaStreamTrack>();
  private frames = new Map<string, number>();
  /** The newest undrawn frame of each mid; older ones are dropped, never queued. */
  private pending = new Map<string, VideoFrame>();
  private drawing = false;
  private pictured = false;

  constructor(hooks: MediaHooks) {
    this.hooks = hooks;
    this.audio = new AudioOut(hooks.problem);
    this.worker = new Worker(new URL("./video-worker.ts", import.meta.url), { type: "module" });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.fromWorker(event.data);
    this.worker.onerror = () => hooks.problem("the video decoder stopped");
  }

  /** Starts sound; call it from a click. */
  start(): void {
    this.audio.start();
  }

  /** Media messages and their bytes received so far (the IPC's load, for the benchmarks). */
  received = { messages: 0, bytes: 0 };

  push(chunk: ArrayBuffer | ArrayBufferView | number[]): void {
    const buffer = asBuffer(chunk);
    this.received.messages += 1;
    this.received.bytes += buffer.byteLength;
    const kind = packetKind(buffer);
    // Frames were lost between the core and the page: no decoder can trust its references.
    if (kind !== null && lostBefore(buffer)) this.restartAll();
    if (kind === VIDEO) this.send({ type: "packet", buffer }, [buffer]);
    else if (kind === AUDIO) this.audio.push(buffer);
  }

  /** The mid shows another feed: its old picture goes, the decoder waits for a key frame. */
  restart(mid: string): void {
    this.clear(mid);
    this.send({ type: "restart", mid });
  }

  /** After a rejoin every stream starts again from a key frame. */
  restartAll(): void {
    this.send({ type: "restart", mid: null });
  }

  forget(mid: string): void {
    this.clear(mid);
    this.tracks.get(mid)?.stop();
    this.tracks.delete(mid);
    this.send({ type: "forget", mid });
  }

  /** Puts the mid's picture (if any yet) into its newly shown tile. */
  attach(mid: string, host: HTMLElement): void {
    const track = this.tracks.get(mid);
    if (track) showTrack(host, track);
  }

  /** Frames shown so far, by mid. */
  counts(): Map<string, number> {
    return this.frames;
  }

  stop(): void {
    this.worker.terminate();
    for (const frame of this.pending.values()) frame.close();
    this.pending.clear();
    for (const track of this.tracks.values()) track.stop();
    this.tracks.clear();
    this.audio.stop();
  }

  private send(message: ToWorker, transfer: Transferable[] = []) {
    this.worker.postMessage(message, transfer);
  }

  private fromWorker(m: FromWorker) {
    if ((m.type === "frame" || m.type === "track") && !this.pictured) {
      // For the benchmarks: the call's first decoded picture reached the page.
      this.pictured = true;
      performance.mark("mailcall:first-picture");
    }
    switch (m.type) {
      case "frame":
        this.pending.get(m.mid)?.close();
        this.pending.set(m.mid, m.frame);
        if (!this.drawing) {
          this.drawing = true;
          requestAnimationFrame(() => this.draw());
        }
        break;
      case "track": {
        this.tracks.get(m.mid)?.stop();
        this.tracks.set(m.mid, m.track);
        const host = this.hooks.host(m.mid);
        if (host) showTrack(host, m.track);
        break;
      }
      case "rendered":
        for (const [mid, n] of m.counts) this.frames.set(mid, n);
        break;
      case "keyFrame":
        this.hooks.keyFrame(m.mid);
        break;
      case "unsupported":
        this.hooks.problem(m.reason);
        break;
    }
  }

  private draw() {
    this.drawing = false;
    for (const [mid, frame] of this.pending) {
      const host = this.hooks.host(mid);
      if (host) {
        const canvas = canvasIn(host);
        if (canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
          canvas.width = frame.displayWidth;
          canvas.height = frame.displayHeight;
        }
        canvas.getContext("2d")?.drawImage(frame, 0, 0);
        this.frames.set(mid, (this.frames.get(mid) ?? 0) + 1);
      }
      frame.close();
    }
    this.pending.clear();
  }

  private clear(mid: string) {
    this.pending.get(mid)?.close();
    this.pending.delete(mid);
    const canvas = this.hooks.host(mid)?.querySelector("canvas");
    canvas?.getContext("2d")?.clearRect(0, 0, canvas.width, canvas.height);
  }
}

function showTrack(host: HTMLElement, track: MediaStreamTrack) {
  const video = document.createElement("video");
  video.autoplay = true;
  video.defaultMuted = true;
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  host.replaceChildren(video);
  void video.play().catch(() => {});
}

function canvasIn(host: HTMLElement): HTMLCanvasElement {
  const found = host.firstElementChild;
  if (found instanceof HTMLCanvasElement) return found;
  const canvas = document.createElement("canvas");
  host.replaceChildren(canvas);
  return canvas;
}
