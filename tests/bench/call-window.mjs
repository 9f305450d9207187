// Benchmarks of the call page: the demo's all-hands (Janus in a network namespace, three
// headless speakers taking turns, headless attendees) joined from the real window under
// Xvfb, with the native engine. Prints the figures BENCHMARKS.md keeps.
//
//   make bench-call                              # 50 attendees, release build
//   MAILCALL_BENCH_ATTENDEES=700 make bench-call
//
// Join times are taken inside the page: from the Join click to the performance marks the
// page sets when the first decoded picture reaches it and when the first sound is due at
// the speakers. Steady-state figures are read over MAILCALL_BENCH_SECONDS (20 s).

import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { outputDir, waitFor } from "../e2e/harness.mjs";
import { appBin, openWindow } from "../e2e/window.mjs";
import { cpuSeconds, memory } from "./procs.mjs";

const attendees = Number(process.env.MAILCALL_BENCH_ATTENDEES ?? 50);
const seconds = Number(process.env.MAILCALL_BENCH_SECONDS ?? 20);
const out = outputDir("bench-call");
const demoBin = path.join(path.dirname(appBin), "mailcall-demo");
const say = (what, figure) => console.log(`${what.padEnd(58)} ${figure}`);
const ms = (x) => `${x.toFixed(0)} ms`;

const STATE = `
  const stage = document.querySelector('[data-testid="call-stage"]');
  const tiles = [...document.querySelectorAll('[data-testid="call-tile"]')];
  const received = [...document.querySelectorAll('[data-testid="call-stats"] tr[data-kind="video"]')]
    .reduce((n, r) => n + Number(r.children[2]?.textContent ?? 0), 0);
  return {
    painted: tiles.reduce((n, t) => n + Number(t.dataset.frames ?? 0), 0),
    tiles: tiles.length,
    received,
    messages: Number(stage?.dataset.mediaMessages ?? 0),
    bytes: Number(stage?.dataset.mediaBytes ?? 0),
    people: Number((document.querySelector('[data-testid="roster-total"]')?.textContent ?? "").replace(/[^0-9]/g, "")),
  };`;

async function join(win, room) {
  await win.click('[data-testid="nav-calls"]');
  await win.waitFor('[data-testid="call-join-form"]', 30000);
  await win.type('[data-testid="call-join-form"] input[name="room"]', String(room));
  await win.type('[data-testid="call-join-form"] input[name="display"]', "Benchmark");
  // The click's time, taken by the page itself.
  await win.exec(`document.querySelector('[data-testid="call-join"]').addEventListener("click",
    () => performance.mark("mailcall:join-click"), { capture: true, once: true });`);
  await win.click('[data-testid="call-join"]');
  const marks = () =>
    win.exec(`const at = (n) => performance.getEntriesByName(n)[0]?.startTime ?? null;
      return { click: at("mailcall:join-click"), picture: at("mailcall:first-picture"), sound: at("mailcall:first-sound") };`);
  return waitFor("the first picture and sound", async () => {
    const m = await marks();
    return m.click !== null && m.picture !== null && m.sound !== null && m;
  }, 60000);
}

/** The longest gap between animation frames over `ms` milliseconds: the UI's longest pause. */
function longestPause(win, span) {
  return win.execAsync(`const done = arguments[arguments.length - 1];
    let last = performance.now(), worst = 0;
    const end = last + ${span};
    const tick = (t) => { worst = Math.max(worst, t - last); last = t; if (t < end) requestAnimationFrame(tick); else done(worst); };
    requestAnimationFrame(tick);`);
}

async function main() {
  console.log(`Mailcall call benchmark: 3 speakers, ${attendees} attendees, app ${appBin}`);
  const demo = spawn(demoBin, ["--messages", "300", "--attendees", String(attendees), "--out", out], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  let win;
  try {
    await waitFor("the demo's servers", () => existsSync(path.join(out, "demo.json")), 300000);
    const info = JSON.parse(readFileSync(path.join(out, "demo.json"), "utf8"));
    win = await openWindow({ dir: out, env: info.appEnv });
    await win.waitFor('[data-testid="mail-view"]', 60000);
    const m = await join(win, info.call.room);
    say("join click to first picture decoded (native engine)", ms(m.picture - m.click));
    say("join click to first sound at the speakers", ms(m.sound - m.click));

    // Everyone in: the roster says so (the attendees join a few at a time).
    const everyone = attendees + 3 + 1;
    await waitFor("everyone in the room", async () => Number((await win.exec(STATE)).people) >= everyone, 600000);
    await new Promise((r) => setTimeout(r, 3000));
    const before = await win.exec(STATE);
    const cpu0 = cpuSeconds();
    const t0 = Date.now();
    const pause = await longestPause(win, seconds * 1000);
    const span = (Date.now() - t0) / 1000;
    const cpu1 = cpuSeconds();
    const share = (name) => (((cpu1[name] ?? 0) - (cpu0[name] ?? 0)) / span) * 100;
    const cpu = Object.keys(cpu1).reduce((sum, name) => sum + share(name), 0);
    const parts = Object.keys(cpu1)
      .map((name) => [name, share(name)])
      .filter(([, pct]) => pct >= 1)
      .sort((a, b) => b[1] - a[1])
      .map(([name, pct]) => `${name} ${pct.toFixed(0)} %`)
      .join(", ");
    const after = await win.exec(STATE);
    const mem = memory();
    const painted = (after.painted - before.painted) / span;
    const received = (after.received - before.received) / span;
    say(`receiving ${after.tiles} tiles (320x180, 15 fps) and 3 voices: CPU`, `${cpu.toFixed(0)} % of one core (${parts})`);
    say("memory (PSS, all processes)", `${mem.pss.toFixed(0)} MB (RSS ${mem.rss.toFixed(0)} MB)`);
    say("video frames received by the core / painted, per second", `${received.toFixed(1)} / ${painted.toFixed(1)}`);
    say("frames not painted, per minute", `${Math.max(0, (received - painted) * 60).toFixed(0)}`);
    const rate = (after.messages - before.messages) / span;
    const kb = (after.bytes - before.bytes) / span / 1024;
    say("IPC: media messages per second into the page", `${rate.toFixed(0)} msg/s, ${kb.toFixed(0)} KB/s (measured ceiling ~3,000 msg/s at 20 KB)`);
    say(`UI's longest pause over ${seconds} s (gap between frames)`, ms(pause));

    // Another page shown: the tiles are hidden (Janus stops their video), the voices go on.
    await win.click('[data-testid="nav-mail"]');
    await new Promise((r) => setTimeout(r, 3000));
    const quiet0 = cpuSeconds();
    const q0 = Date.now();
    await new Promise((r) => setTimeout(r, 10000));
    const quiet1 = cpuSeconds();
    const qspan = (Date.now() - q0) / 1000;
    const quiet = Object.keys(quiet1).reduce((sum, name) => sum + ((quiet1[name] ?? 0) - (quiet0[name] ?? 0)), 0);
    say("CPU with the mail page shown (sound only, tiles hidden)", `${((quiet / qspan) * 100).toFixed(0)} % of one core`);
    await win.click('[data-testid="nav-calls"]');
    await win.waitFor('[data-testid="call-stage"]');

    // The roster: its second page, from the click to the page painted.
    const roster = await win.execAsync(`const done = arguments[arguments.length - 1];
      const next = document.querySelector('[data-testid="roster-next"]');
      if (!next || next.disabled) return done(null);
      const first = () => document.querySelector('[data-testid="roster"] li')?.textContent;
      const was = first(), t0 = performance.now();
      next.click();
      const tick = () => first() !== was ? requestAnimationFrame(() => done(performance.now() - t0)) : requestAnimationFrame(tick);
      tick();`);
    say(`roster: next page of ${everyone} people painted`, roster === null ? "one page only" : ms(roster));
    await win.screenshot("call");
  } finally {
    await win?.close();
    demo.kill("SIGINT");
    await new Promise((r) => demo.on("exit", r));
  }
}

await main();
