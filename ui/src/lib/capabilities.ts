// What this webview can do for calls, detected in the page itself (the core cannot know):
// WebKitGTK on Debian has no RTCPeerConnection, so calls fall back to the native engine,
// which needs WebCodecs and VideoTrackGenerator instead.

export type Support = { name: string; supported: boolean; detail: string };

function has(name: string): boolean {
  return typeof (globalThis as Record<string, unknown>)[name] !== "undefined";
}

async function codecSupported(
  api: "VideoDecoder" | "AudioDecoder" | "VideoEncoder" | "AudioEncoder",
  config: Record<string, unknown>,
): Promise<Support> {
  const name = `${api} ${String(config.codec)}`;
  const ctor = (globalThis as Record<string, unknown>)[api] as
    | { isConfigSupported(c: unknown): Promise<{ supported?: boolean }> }
    | undefined;
  if (!ctor) return { name, supported: false, detail: `${api} is missing` };
  try {
    const answer = await ctor.isConfigSupported(config);
    return { name, supported: answer.supported === true, detail: "isConfigSupported" };
  } catch (e) {
    return { name, supported: false, detail: `isConfigSupported threw: ${String(e)}` };
  }
}

/** Which of `names` exist in a dedicated worker's global scope (empty when workers fail). */
function workerGlobals(names: string[]): Promise<Record<string, boolean>> {
  const source = `postMessage(Object.fromEntries(${JSON.stringify(names)}
    .map((n) => [n, typeof self[n] !== "undefined"])));`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  return new Promise((resolve) => {
    const done = (value: Record<string, boolean>) => {
      URL.revokeObjectURL(url);
      resolve(value);
    };
    try {
      const worker = new Worker(url);
      const timer = setTimeout(() => {
        worker.terminate();
        done({});
      }, 3000);
      worker.onmessage = (e: MessageEvent<Record<string, boolean>>) => {
        clearTimeout(timer);
        worker.terminate();
        done(e.data);
      };
      worker.onerror = () => {
        clearTimeout(timer);
        done({});
      };
    } catch {
      done({});
    }
  });
}

/** Detects WebRTC, WebCodecs and capture support. Creates no encoder or decoder. */
export async function detectSupport(): Promise<Support[]> {
  const out: Support[] = [
    { name: "RTCPeerConnection", supported: has("RTCPeerConnection"), detail: "global" },
    {
      name: "getUserMedia",
      supported: typeof navigator.mediaDevices?.getUserMedia === "function",
      detail: "navigator.mediaDevices",
    },
  ];
  // The spec exposes these two in dedicated workers, where the native engine decodes.
  const inWorker = await workerGlobals(["VideoTrackGenerator", "MediaStreamTrackProcessor"]);
  for (const name of ["VideoTrackGenerator", "MediaStreamTrackProcessor"]) {
    const supported = has(name) || inWorker[name] === true;
    out.push({ name, supported, detail: has(name) ? "global" : "in a worker" });
  }
  // Decoders are asked first: creating or probing a VideoEncoder before any decoder has
  // aborted WebKitGTK's web process (WebKit bug 320327).
  out.push(await codecSupported("VideoDecoder", { codec: "vp8" }));
  out.push(
    await codecSupported("AudioDecoder", { codec: "opus", sampleRate: 48000, numberOfChannels: 2 }),
  );
  out.push(
    await codecSupported("VideoEncoder", { codec: "vp8", width: 640, height: 360, bitrate: 5e5 }),
  );
  out.push(
    await codecSupported("AudioEncoder", { codec: "opus", sampleRate: 48000, numberOfChannels: 1 }),
  );
  return out;
}

/** Which media engine calls will use in this webview. */
export function mediaEngine(support: Support[]): "webview" | "native" {
  const pc = support.find((s) => s.name === "RTCPeerConnection");
  return pc?.supported ? "webview" : "native";
}
