// The call page's pure parts, without a browser: the tile planner with its hold, and the
// reading of the core's media messages (the same bytes the Rust side's unit test packs).
// The TypeScript is transpiled with the UI's own compiler and imported as a module.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { root } from "./harness.mjs";

const ts = createRequire(path.join(root, "ui/package.json"))("typescript");

async function load(file) {
  const source = readFileSync(path.join(root, "ui/src/lib/call", file), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputText).toString("base64")}`);
}

const { planTiles, HOLD_MS } = await load("tiles.ts");
const { parsePacket, lostBefore, RtpClock } = await load("packet.ts");
const { quality } = await load("quality.ts");

const slots = (...feeds) => feeds.map((feed, i) => ({ mid: String(i), feed }));
const plan = (input, hold = null) => planTiles({ talking: [], activeSpeaker: null, pinned: null, now: 0, ...input }, hold);

test("nobody talking: the first slot is the main tile, three more in the grid, the rest hidden", () => {
  const p = plan({ slots: slots("a", "b", "c", "d", "e", "f") });
  assert.equal(p.main, 0);
  assert.deepEqual(p.grid, [1, 2, 3]);
  assert.deepEqual(p.sizes, ["main", "grid", "grid", "grid", "hidden", "hidden"]);
});

test("a new speaker waits out the hold before taking the main tile", () => {
  const s = slots("a", "b", "c");
  const first = plan({ slots: s, talking: ["b"], now: 1000 });
  assert.equal(first.main, 1);
  const early = plan({ slots: s, talking: ["c"], now: 1000 + HOLD_MS - 100 }, first.hold);
  assert.equal(early.main, 1, "b keeps the stage inside the hold");
  const late = plan({ slots: s, talking: ["c"], now: 1000 + HOLD_MS + 100 }, early.hold);
  assert.equal(late.main, 2, "c takes it after the hold");
  assert.equal(late.hold.since, 1000 + HOLD_MS + 100);
});

test("a pinned feed keeps the main tile whoever talks; filled slots come before empty ones", () => {
  const s = slots("a", null, "c", "d");
  const p = plan({ slots: s, talking: ["a"], pinned: "d", now: 5000, tiles: 3 });
  assert.equal(p.main, 3);
  assert.deepEqual(p.grid, [0, 2]);
  assert.equal(p.sizes[1], "hidden");
});

test("a media message reads as the core packs it", () => {
  const bytes = new Uint8Array([0, 1, 2, 0, 4, 3, 2, 1, 0xdc, 0x05, 0, 0, 0x31, 0x32, 9, 8, 7]);
  const p = parsePacket(bytes.buffer);
  assert.equal(p.kind, 0);
  assert.equal(p.key, true);
  assert.equal(p.rtp, 0x01020304);
  assert.equal(p.arrival, 1500);
  assert.equal(p.mid, "12");
  assert.deepEqual([...p.payload], [9, 8, 7]);
  assert.equal(lostBefore(bytes.buffer), false);
  bytes[1] = 3;
  assert.equal(lostBefore(bytes.buffer), true);
  assert.equal(parsePacket(new Uint8Array([0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).buffer), null, "a mid longer than the message");
});

test("RTP timestamps unwrap across 2^32", () => {
  const clock = new RtpClock();
  const start = clock.next(0xfffffff0);
  assert.equal(clock.next(0x10) - start, 0x20);
  assert.equal(clock.next(0x08) - start, 0x18, "a slightly older one steps back");
});

test("the quality dot: a steady 15 fps stream is good; loss or a stalled picture is not", () => {
  const stats = (frameRate, loss) => ({ frameRate, loss, bitrate: 150000 });
  assert.equal(quality(stats(14.9, 0)).level, "good");
  assert.equal(quality(stats(30, 0.02)).level, "fair");
  assert.equal(quality(stats(7, 0)).level, "fair");
  assert.equal(quality(stats(2, 0)).level, "poor");
  assert.equal(quality(stats(30, 0.08)).level, "poor");
  assert.equal(quality(undefined).level, "unknown");
});
