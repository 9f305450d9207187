// The call page surviving the server: the demo's all-hands (Janus in a network namespace,
// three headless speakers) joined from the real window, then Janus killed and started again
// (the demo does that on SIGUSR1). The banner must say so and the pictures come back without
// a click within 10 s; then, in a second restart, Leave pressed while the call rejoins must
// end it within a second.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { outputDir, waitFor } from "./harness.mjs";
import { appBin, openWindow } from "./window.mjs";

const out = outputDir("call-window");
let demo;
let info;
let win;

/** Each tile's name and frames painted so far. */
const tiles = () =>
  win.exec(`return [...document.querySelectorAll('[data-testid="call-tile"]')].map((t) => ({
    name: t.querySelector('[data-testid="call-tile-name"]')?.textContent.trim() ?? "",
    frames: Number(t.dataset.frames ?? 0) }));`);
const banner = () => win.exec(`return !!document.querySelector('[data-testid="call-reconnecting"]');`);

/** Frames painted per speaker now and a second later: true when every speaker's grew. */
async function everyPictureMoves() {
  const first = await tiles();
  await new Promise((r) => setTimeout(r, 1000));
  const later = await tiles();
  return info.call.speakers.every((name) => {
    const a = first.find((t) => t.name === name);
    const b = later.find((t) => t.name === name);
    return a && b && b.frames > a.frames + 5;
  });
}

function restartJanus() {
  demo.kill("SIGUSR1");
}

before(async () => {
  demo = spawn(path.join(path.dirname(appBin), "mailcall-demo"), ["--messages", "200", "--attendees", "0", "--out", out], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  await waitFor("the demo's servers", () => existsSync(path.join(out, "demo.json")), 300000);
  info = JSON.parse(readFileSync(path.join(out, "demo.json"), "utf8"));
  win = await openWindow({ dir: out, env: info.appEnv });
  await win.waitFor('[data-testid="mail-view"]', 60000);
});

after(async () => {
  await win?.close();
  if (demo && demo.exitCode === null) {
    demo.kill("SIGINT");
    await new Promise((r) => demo.on("exit", r));
  }
});

test("the window joins and shows every speaker's moving picture", async () => {
  await win.click('[data-testid="nav-calls"]');
  await win.waitFor('[data-testid="call-join-form"]', 30000);
  await win.type('[data-testid="call-join-form"] input[name="room"]', String(info.call.room));
  await win.type('[data-testid="call-join-form"] input[name="display"]', "Tester");
  await win.click('[data-testid="call-join"]');
  await waitFor("every speaker's picture moving", everyPictureMoves, 60000);
  await win.screenshot("joined");
});

test("Janus restarts: the banner shows, and the pictures come back by themselves within 10 s", async () => {
  const restarted = Date.now();
  restartJanus();
  await waitFor("the reconnect banner", banner, 10000);
  const reason = await win.exec(`return document.querySelector('[data-testid="call-reconnecting"]').textContent.trim();`);
  assert.ok(reason.length > 10, `the banner says what happened: ${reason}`);
  await win.screenshot("reconnecting");
  await waitFor("the banner gone and every picture moving again", async () => !(await banner()) && (await everyPictureMoves()), 20000);
  const took = (Date.now() - restarted) / 1000;
  // The last second was spent watching the pictures move.
  assert.ok(took - 1 <= 10, `back after ${took.toFixed(1)} s`);
  await win.screenshot("back");
});

test("Leave while the call rejoins ends it within a second", async () => {
  restartJanus();
  await waitFor("the reconnect banner", banner, 10000);
  const took = await win.execAsync(`const done = arguments[arguments.length - 1];
    const t0 = performance.now();
    document.querySelector('[data-testid="call-leave"]').click();
    const tick = () => document.querySelector('[data-testid="call-ended"]') ? done(performance.now() - t0) : requestAnimationFrame(tick);
    tick();`);
  assert.ok(took < 1000, `ended ${took.toFixed(0)} ms after the click`);
  assert.equal(await win.exec(`return document.querySelector('[data-testid="call-ended"]').dataset.reason;`), "left");
  await win.screenshot("left");
});
