// The call page surviving the server: the demo's all-hands (Janus in a network namespace,
// three headless speakers) joined from the real window, then Janus killed and started again
// two seconds later (the demo does that on SIGUSR1). The banner must say so and the pictures
// come back without a click within 10 s; then, in a second restart, Leave pressed while the
// call rejoins must end it within a second.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
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

/**
 * Watches the page for the reconnect banner from now on, so a short rejoin is not missed
 * between two looks: resolves with the banner's text once it has been shown.
 */
async function watchBanner() {
  await win.exec(`window.__banner = null;
    window.__timeline = [];
    const t0 = performance.now();
    let was = false;
    const look = () => {
      const b = document.querySelector('[data-testid="call-reconnecting"]');
      if (!!b !== was) { was = !!b; window.__timeline.push([Math.round(performance.now() - t0), was]); }
      if (b && window.__banner === null) window.__banner = b.textContent.trim();
    };
    new MutationObserver(look).observe(document.body, { childList: true, subtree: true, characterData: true });`);
  return async (limit) => {
    try {
      return await waitFor("the reconnect banner", () => win.exec(`return window.__banner;`), limit);
    } catch (e) {
      await win.screenshot("no-banner");
      const state = await win.exec(`return document.querySelector('[data-testid="call"]')?.innerText.slice(0, 400) ?? document.body.innerText.slice(0, 400);`);
      throw new Error(`${e.message}; the page shows: ${state}`);
    }
  };
}

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
  // An earlier run's demo.json must not pass for this run's.
  rmSync(path.join(out, "demo.json"), { force: true });
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
  const shown = await watchBanner();
  const restarted = Date.now();
  restartJanus();
  const reason = await shown(15000);
  assert.ok(reason.length > 10, `the banner says what happened: ${reason}`);
  if (await banner()) await win.screenshot("reconnecting");
  await waitFor("the banner gone and every picture moving again", async () => !(await banner()) && (await everyPictureMoves()), 20000);
  const took = (Date.now() - restarted) / 1000;
  // The last second was spent watching the pictures move.
  assert.ok(took - 1 <= 10, `back after ${took.toFixed(1)} s`);
  await win.screenshot("back");
});

test("Leave while the call rejoins ends it within a second", async () => {
  const shown = await watchBanner();
  restartJanus();
  await shown(15000);
  // The server stays down two seconds: the call is still rejoining when Leave is pressed.
  assert.ok(await banner(), `still rejoining: ${JSON.stringify(await win.exec("return window.__timeline;"))}`);
  const took = await win.execAsync(`const done = arguments[arguments.length - 1];
    const t0 = performance.now();
    document.querySelector('[data-testid="call-leave"]').click();
    const tick = () => document.querySelector('[data-testid="call-ended"]') ? done(performance.now() - t0) : requestAnimationFrame(tick);
    tick();`);
  assert.ok(took < 1000, `ended ${took.toFixed(0)} ms after the click`);
  assert.equal(await win.exec(`return document.querySelector('[data-testid="call-ended"]').dataset.reason;`), "left");
  await win.screenshot("left");
});
