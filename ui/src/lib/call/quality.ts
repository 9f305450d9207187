// The small dot on a tile: how well its stream arrives, from the core's statistics.

import type { StreamStats } from "../bindings";

export type Quality = { level: "good" | "fair" | "poor" | "unknown"; title: string };

export function quality(stats: StreamStats | undefined): Quality {
  if (!stats || (stats.frameRate == null && stats.loss == null)) {
    return { level: "unknown", title: "No statistics yet" };
  }
  const fps = stats.frameRate ?? null;
  const loss = stats.loss ?? 0;
  const kbit = stats.bitrate == null ? "–" : (stats.bitrate / 1000).toFixed(0);
  const title = `${fps === null ? "–" : fps.toFixed(1)} fps, ${kbit} kbit/s, ${(loss * 100).toFixed(1)} % loss`;
  // Many senders send 15 fps or less on purpose (screens, slides, a low layer): only a rate
  // no sender chooses says something went wrong.
  if (loss >= 0.05 || (fps !== null && fps < 4)) return { level: "poor", title };
  if (loss >= 0.01 || (fps !== null && fps < 10)) return { level: "fair", title };
  return { level: "good", title };
}
